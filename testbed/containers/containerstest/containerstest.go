// Package containerstest gives other packages' integration tests a
// container testbed in one call: it checks the real parts it needs (root,
// a Docker engine, debootstrap) the testenv way (skip outside CI, fail in
// CI), brings the nodes up, and removes them when the test ends.
package containerstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/testbed/containers"
)

// Up brings up a testbed of n nodes for t and registers its removal with
// t.Cleanup. The first use on a machine builds the node image (a minute or
// two); later ones take a few seconds. Progress goes to stderr under -v.
// The testbed id is prefix (at most 10 lowercase letters, digits, dashes,
// naming the caller in `docker ps`) followed by 6 random hex digits.
func Up(t testing.TB, prefix string, n int) *containers.Testbed {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (container testbed)")
	}
	testenv.Root(t)
	testenv.Command(t, "debootstrap", "tar")
	testenv.Docker(t)
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatalf("docker client: %v", err)
	}
	b := make([]byte, 3)
	rand.Read(b)
	id := prefix + hex.EncodeToString(b)
	var progress io.Writer = io.Discard
	if testing.Verbose() {
		progress = os.Stderr
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := containers.RemoveByLabel(ctx, cli, id, progress); err != nil {
			t.Errorf("removing testbed %s: %v", id, err)
		}
		cli.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	tb, err := containers.Up(ctx, cli, containers.Options{Nodes: n, Dir: t.TempDir(), ID: id, Progress: progress})
	if err != nil {
		t.Fatalf("container testbed: %v", err)
	}
	return tb
}
