package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/testbed/containers"
)

// testbedKind is one kind of testbed that `edgerig testbed up|down KIND`
// manages. Each kind parses its own flags.
type testbedKind struct {
	summary string
	up      func(ctx context.Context, args []string, stdout, stderr io.Writer) error
	down    func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func testbedKinds() map[string]testbedKind {
	return map[string]testbedKind{
		"containers": {"N Debian containers with sshd and their own dockerd, on one bridge", containersUp, containersDown},
		"qemu":       {"emulated ARM hosts (arm64, armv7) with sshd on 127.0.0.1 ports", qemuUp, qemuDown},
	}
}

func runTestbed(args []string, stdout, stderr io.Writer) error {
	kinds := testbedKinds()
	usage := func(w io.Writer) {
		fmt.Fprintln(w, "Usage: edgerig testbed up|down KIND [flags]   (edgerig testbed up KIND --help)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Brings up or removes a local testbed: hosts that the runner reaches over SSH as")
		fmt.Fprintln(w, "it would a real cluster, described by a hosts.yaml that `up` writes. Kinds:")
		names := make([]string, 0, len(kinds))
		for n := range kinds {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(w, "  %-11s %s\n", n, kinds[n].summary)
		}
	}
	if len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		usage(stdout)
		return nil
	}
	if len(args) < 2 || (args[0] != "up" && args[0] != "down") {
		usage(stderr)
		return usageError{"want: testbed up|down KIND"}
	}
	k, ok := kinds[args[1]]
	if !ok {
		usage(stderr)
		return usageError{fmt.Sprintf("unknown testbed kind %q", args[1])}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if args[0] == "up" {
		return k.up(ctx, args[2:], stdout, stderr)
	}
	return k.down(ctx, args[2:], stdout, stderr)
}

func containersUp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("edgerig testbed up containers", stderr,
		"Usage: edgerig testbed up containers --dir DIR [--nodes N]\n\n"+
			"Starts N containers (node1..nodeN) on a bridge network of their own, each with its\n"+
			"own sshd and dockerd, and writes DIR/hosts.yaml for `edgerig run --hosts`. The node\n"+
			"image is built once with debootstrap (minutes) and cached under "+containers.CacheDir()+".\n"+
			"Progress goes to stderr; the path of hosts.yaml to stdout.\n\n")
	nodes := fs.Int("nodes", 3, "number of nodes (node1 is the master)")
	dir := fs.String("dir", "", "directory for hosts.yaml, known_hosts, id_ed25519 (required)")
	id := fs.String("id", "", "testbed id used in names and labels (default: random)")
	mirror := fs.String("mirror", "", "Debian mirror for building the node image (default: this machine's APT mirror)")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for every node's ssh and dockerd")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if *dir == "" || fs.NArg() > 0 {
		fs.Usage()
		return usageError{"testbed up containers: --dir is required and takes no arguments"}
	}
	cli, err := dockerClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	tb, err := containers.Up(ctx, cli, containers.Options{
		Nodes: *nodes, Dir: *dir, ID: *id, Mirror: *mirror, Timeout: *timeout, Progress: stderr,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tb.HostsPath())
	return nil
}

func containersDown(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("edgerig testbed down containers", stderr,
		"Usage: edgerig testbed down containers --dir DIR   (or --id ID)\n\n"+
			"Removes every container, network and volume of the testbed recorded in DIR (also\n"+
			"what a failed up left, and without complaint what is already gone), then the files\n"+
			"up wrote into DIR. The cached node image is kept. With --id, removes what is\n"+
			"labelled edgerig.testbed=ID in the Docker engine, and touches no file.\n\n")
	dir := fs.String("dir", "", "the directory given to up")
	id := fs.String("id", "", "instead of --dir: the testbed id, when its directory is lost")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if (*dir == "") == (*id == "") || fs.NArg() > 0 {
		fs.Usage()
		return usageError{"testbed down containers: give one of --dir and --id, and no arguments"}
	}
	cli, err := dockerClient()
	if err != nil {
		return err
	}
	defer cli.Close()
	if *id != "" {
		return containers.RemoveByLabel(ctx, cli, *id, stderr)
	}
	return containers.Down(ctx, cli, *dir, stderr)
}

func dockerClient() (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return cli, nil
}
