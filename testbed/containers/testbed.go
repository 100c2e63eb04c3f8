// Package containers is edgerig's multi-host testbed on one machine: N
// Debian containers on a user-defined bridge with fixed addresses, each with
// its own sshd and its own dockerd, described by a hosts.yaml that the
// runner uses as it would a real Raspberry Pi cluster. Nodes can be stopped,
// killed and cut off the network, so that fault handling is tested against
// real SSH connections and real Docker engines.
//
// Everything a testbed creates in the host's Docker engine is named
// edgerig-tb-<id>-... and labelled edgerig.testbed=<id>, so that Down
// removes exactly that and nothing another user of the engine made.
package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/docker/docker/client"
)

// LabelTestbed is the label carried by every container, network and volume
// of a testbed; its value is the testbed id.
const LabelTestbed = "edgerig.testbed"

// labelNode names the node a container or volume belongs to.
const labelNode = "edgerig.testbed.node"

// Options configure Up.
type Options struct {
	Nodes    int           // number of nodes, node1..nodeN
	Dir      string        // where hosts.yaml, known_hosts, id_ed25519 and testbed.json go
	ID       string        // testbed id; "" picks a random one
	CacheDir string        // node image cache; "" means CacheDir()
	Mirror   string        // Debian mirror for a first build; "" detects it
	Timeout  time.Duration // for every node to answer ssh and docker info; 0 means 2 minutes
	Progress io.Writer     // human progress (stderr in the CLI); nil discards it
	// As gives node i the envelope of board As[i] (see ParseAs); empty: no
	// envelope. Latency adds a delay to every envelope's network.
	As      []Board
	Latency time.Duration
	// Bench is an edgerig-bench binary for linux/amd64, copied into every
	// node at BenchPath; an envelope's calibration needs it.
	Bench string
}

// Node is one host of the testbed.
type Node struct {
	Name      string   `json:"name"`
	Address   string   `json:"address"`
	Roles     []string `json:"roles"`
	Container string   `json:"container"`
	Volume    string   `json:"volume"`
	HostKey   string   `json:"host_key"` // authorized_keys format
	// Envelope is the board the node poses as; nil for a plain node.
	Envelope *Envelope `json:"envelope,omitempty"`
}

// State is what a testbed's directory records about it (testbed.json), so
// that Down and Open find what Up made.
type State struct {
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Image   string `json:"image"`
	Network string `json:"network"`
	Subnet  string `json:"subnet"`
	Nodes   []Node `json:"nodes"`
}

// Testbed is a running container testbed.
type Testbed struct {
	State
	Dir   string
	cli   *client.Client
	key   keyPair
	bench string
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,15}$`)

// Up builds the node image if needed, starts the nodes and waits until
// every one answers ssh and its own docker info. On failure it removes what
// it made.
func Up(ctx context.Context, cli *client.Client, o Options) (tb *Testbed, err error) {
	if o.Nodes < 1 || o.Nodes > 200 {
		return nil, fmt.Errorf("testbed: %d nodes: want 1 to 200", o.Nodes)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.ID == "" {
		o.ID = randomID()
	}
	if !idPattern.MatchString(o.ID) {
		return nil, fmt.Errorf("testbed id %q: want 1-16 lowercase letters, digits and dashes", o.ID)
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, fmt.Errorf("testbed directory: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("testbed directory: %w", err)
	}
	if st, err := readState(dir); err == nil {
		return nil, fmt.Errorf("testbed %s is already up in %s: run `edgerig testbed down containers --dir %s` first", st.ID, dir, dir)
	}
	if len(o.As) != 0 && len(o.As) != o.Nodes {
		return nil, fmt.Errorf("testbed: %d boards for %d nodes", len(o.As), o.Nodes)
	}
	if len(o.As) > 0 && o.Bench == "" {
		return nil, errors.New("testbed: an envelope's CPU calibration needs edgerig-bench: run `make build` (bin/edgerig-bench) or pass --bench")
	}
	if o.Bench != "" {
		if _, err := os.Stat(o.Bench); err != nil {
			return nil, fmt.Errorf("testbed: edgerig-bench: %w", err)
		}
	}
	if o.CacheDir == "" {
		o.CacheDir = CacheDir()
	}
	ref, err := EnsureImage(ctx, cli, ImageOptions{CacheDir: o.CacheDir, Mirror: o.Mirror, Progress: o.Progress})
	if err != nil {
		return nil, err
	}
	var envs []Envelope
	var calRef Reference
	if len(o.As) > 0 {
		if envs, err = planEnvelopes(ctx, cli, o); err != nil {
			return nil, err
		}
		if calRef, err = LoadReference(ctx, o.CacheDir, o.Bench, o.Progress); err != nil {
			return nil, err
		}
	}
	key, err := newKeyPair("edgerig-testbed-" + o.ID)
	if err != nil {
		return nil, err
	}
	tb = &Testbed{State: State{Kind: "containers", ID: o.ID, Image: ref, Network: prefix(o.ID)}, Dir: dir, cli: cli, key: key, bench: o.Bench}
	// Record the id before creating anything, so that Down can clean up
	// after an Up that died half way.
	if err := tb.writeState(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			fmt.Fprintf(o.Progress, "testbed %s: up failed, removing what it made\n", o.ID)
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if derr := Down(dctx, cli, dir, o.Progress); derr != nil {
				err = errors.Join(err, derr)
			}
			tb = nil
		}
	}()
	start := time.Now()
	if err := tb.createNetwork(ctx); err != nil {
		return nil, err
	}
	for i := range o.Nodes {
		var env *Envelope
		if envs != nil {
			env = &envs[i]
		}
		n, err := tb.startNode(ctx, i, o.Nodes, env)
		if err != nil {
			return nil, err
		}
		tb.Nodes = append(tb.Nodes, n)
		if err := tb.writeState(); err != nil {
			return nil, err
		}
	}
	if err := tb.writeFiles(); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "testbed %s: %d nodes started on %s (%s) in %.1fs; waiting for ssh and docker\n",
		o.ID, o.Nodes, tb.Network, tb.Subnet, time.Since(start).Seconds())
	if err := tb.WaitReady(ctx, o.Timeout, o.Progress); err != nil {
		return nil, err
	}
	if envs != nil {
		if err := tb.applyEnvelopes(ctx, o.As, calRef, o.Progress); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(o.Progress, "testbed %s: ready in %.1fs; inventory in %s\n", o.ID, time.Since(start).Seconds(), filepath.Join(dir, HostsFile))
	return tb, nil
}

// Open returns the testbed recorded in dir, for fault injection and image
// loading from another process than the one that brought it up.
func Open(cli *client.Client, dir string) (*Testbed, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("testbed directory: %w", err)
	}
	st, err := readState(dir)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, IdentityFile))
	if err != nil {
		return nil, fmt.Errorf("testbed %s: %w", st.ID, err)
	}
	key, err := parseKeyPair(b)
	if err != nil {
		return nil, fmt.Errorf("testbed %s: %s: %w", st.ID, filepath.Join(dir, IdentityFile), err)
	}
	return &Testbed{State: st, Dir: dir, cli: cli, key: key}, nil
}

// Node returns the node called name.
func (tb *Testbed) Node(name string) (Node, error) {
	for _, n := range tb.Nodes {
		if n.Name == name {
			return n, nil
		}
	}
	return Node{}, fmt.Errorf("testbed %s has no node %q", tb.ID, name)
}

// HostsPath is the testbed's inventory file.
func (tb *Testbed) HostsPath() string { return filepath.Join(tb.Dir, HostsFile) }

// prefix is the name of the testbed's network and the start of every other
// name it gives.
func prefix(id string) string { return "edgerig-tb-" + id }

func randomID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func readState(dir string) (State, error) {
	p := filepath.Join(dir, StateFile)
	b, err := os.ReadFile(p)
	if err != nil {
		return State{}, fmt.Errorf("no container testbed in %s: %w", dir, err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return State{}, fmt.Errorf("%s: %w", p, err)
	}
	if st.Kind != "containers" || !idPattern.MatchString(st.ID) {
		return State{}, fmt.Errorf("%s: not a container testbed (kind %q, id %q)", p, st.Kind, st.ID)
	}
	return st, nil
}

func (tb *Testbed) writeState() error {
	b, err := json.MarshalIndent(tb.State, "", "  ")
	if err != nil {
		return fmt.Errorf("testbed %s state: %w", tb.ID, err)
	}
	return writeAtomic(filepath.Join(tb.Dir, StateFile), append(b, '\n'), 0o644)
}

// writeFiles writes the inventory, the known hosts and the user key.
func (tb *Testbed) writeFiles() error {
	kh, err := KnownHosts(tb.Nodes)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{IdentityFile, tb.key.private, 0o600},
		{IdentityFile + ".pub", authorizedKey(tb.key), 0o644},
		{KnownHostsFile, kh, 0o644},
		{HostsFile, HostsYAML(tb.ID, tb.Nodes), 0o644},
	} {
		if err := writeAtomic(filepath.Join(tb.Dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp, mode); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
