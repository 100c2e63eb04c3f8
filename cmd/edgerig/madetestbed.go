package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/testbed/containers"
)

// madeTestbed is a container testbed a run made for itself (the spec's
// testbed: {kind: containers, nodes: N}); remove takes it down again.
type madeTestbed struct {
	tb   *containers.Testbed
	inv  *inventory.Inventory
	cli  *client.Client
	dir  string
	once sync.Once
	err  error
}

// madeTestbedID starts the ids of testbeds made for a run, so that they
// are told apart from those of `edgerig testbed up` in docker ps.
const madeTestbedID = "made"

// plannedHosts are the hosts a made testbed will have, with the roles the
// container testbed gives its nodes: enough to check the spec and print the
// plan before anything is made.
func plannedHosts(nt *spec.NewTestbed) []inventory.Host {
	var hs []inventory.Host
	for i := range nt.Nodes {
		hs = append(hs, inventory.Host{Name: fmt.Sprintf("node%d", i+1), Address: "(made for the run)", Roles: containers.Roles(i, nt.Nodes)})
	}
	return hs
}

// madeTestbedName is the testbed's name in the manifest and progress.
func madeTestbedName(nt *spec.NewTestbed, id string) string {
	as := ""
	if len(nt.As) > 0 {
		as = ", as " + strings.Join(nt.As, ",")
	}
	if id == "" {
		return fmt.Sprintf("%s (%d nodes%s, made for the run)", nt.Kind, nt.Nodes, as)
	}
	return fmt.Sprintf("%s %s (%d nodes%s, made for the run)", nt.Kind, id, nt.Nodes, as)
}

// newMadeID is the id of a testbed made for a run, chosen before it is
// made so that an abandoned run can remove what was made so far.
func newMadeID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return madeTestbedID + hex.EncodeToString(b)
}

// makeTestbed brings up the testbed the spec asks for, with id, in a
// directory of its own; on failure it has removed what it made.
func makeTestbed(ctx context.Context, nt *spec.NewTestbed, id string, progress io.Writer) (*madeTestbed, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("testbed %s: docker client: %w", nt.Kind, err)
	}
	opts := containers.Options{Nodes: nt.Nodes, ID: id, Progress: progress}
	if len(nt.As) > 0 {
		if opts.As, err = containers.ParseAs(strings.Join(nt.As, ","), nt.Nodes); err == nil {
			opts.Bench, err = findBench("")
		}
		if err != nil {
			cli.Close()
			return nil, fmt.Errorf("testbed.as: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "edgerig-testbed-")
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("testbed %s: %w", nt.Kind, err)
	}
	opts.Dir = dir
	fmt.Fprintf(progress, "edgerig: making testbed %s for the run\n", madeTestbedName(nt, id))
	tb, err := containers.Up(ctx, cli, opts)
	if err != nil {
		os.RemoveAll(dir)
		cli.Close()
		return nil, err
	}
	m := &madeTestbed{tb: tb, cli: cli, dir: dir}
	if m.inv, err = inventory.Load(tb.HostsPath()); err != nil {
		return nil, m.failed(err, progress)
	}
	return m, nil
}

func (m *madeTestbed) failed(err error, progress io.Writer) error {
	if rerr := m.remove(progress); rerr != nil {
		return fmt.Errorf("%w (and removing the testbed: %v)", err, rerr)
	}
	return err
}

// remove takes the testbed down (once, whatever the caller's context: an
// interrupted run removes it too) and deletes its directory.
func (m *madeTestbed) remove(progress io.Writer) error {
	m.once.Do(func() {
		fmt.Fprintf(progress, "edgerig: removing testbed %s\n", m.tb.ID)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		m.err = containers.Down(ctx, m.cli, m.dir, progress)
		if m.err == nil {
			m.err = os.RemoveAll(m.dir)
		}
		m.cli.Close()
	})
	return m.err
}

// removeMade removes what there is of testbed id, found by its label: how
// a run abandoned while its testbed was being made cleans up before it
// exits (the testbed's directory, in the temporary directory, holds only
// its keys and inventory).
func removeMade(id string, progress io.Writer) error {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	fmt.Fprintf(progress, "edgerig: removing testbed %s\n", id)
	return containers.RemoveByLabel(ctx, cli, id, progress)
}
