package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/testbed/containers"
)

// testbedAction is what `edgerig testbed up|down KIND` runs, under a
// context that Ctrl-C and SIGTERM cancel.
type testbedAction func(ctx context.Context, stdio cli.IO) error

// testbedCmd is the row of `edgerig testbed VERB KIND`: a local testbed
// (hosts that the runner reaches over SSH as it would a real cluster,
// described by a hosts.yaml that up writes) brought up or removed.
func testbedCmd(verb, kind, help string, flags func(fs *flag.FlagSet) testbedAction) cli.Command {
	summary := map[string]string{
		"up containers":   "start N Debian containers with sshd and their own dockerd, on one bridge",
		"down containers": "remove a containers testbed",
		"up qemu":         "boot emulated ARM hosts (arm64, armv7) with sshd on 127.0.0.1 ports",
		"down qemu":       "stop a qemu testbed's VMs",
	}[verb+" "+kind]
	return cli.Command{
		Name: "testbed " + verb + " " + kind, Summary: summary, Help: help,
		Flags: func(fs *flag.FlagSet) cli.Action {
			act := flags(fs)
			return func(_ []string, stdio cli.IO) error {
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				return cli.Interrupted(ctx, "edgerig testbed "+verb+" "+kind, act(ctx, stdio))
			}
		},
	}
}

const containersUpHelp = `Starts N containers (node1..nodeN) on a bridge network of their own, each with its
own sshd and dockerd, and writes DIR/hosts.yaml for ` + "`edgerig run --hosts`" + `. The node
image is built once with debootstrap (minutes) and cached under the edgerig cache
(containers/). Progress goes to stderr; the path of hosts.yaml to stdout.

With --as BOARD (rpi2, rpi3, rpi3b+, rpi4, rpi5; or one per node, comma-separated)
each node poses as that Raspberry Pi: its cores (cpuset, capped by this machine's),
its memory (no swap), its Ethernet rate (tc on the node's interface) and, where the
kernel throttles it, its SD card's throughput. The CPU quota is calibrated at up:
edgerig-bench runs in the node and the quota is searched until it scores the
board's published 7-Zip rating (tied to edgerig-bench's unit by a reference measured
once on this machine with 7-Zip; needs the 7zip package). hosts.yaml labels such a
node hardware: "rpi2 (emulated)" and says how in its envelope label; testbed.json
holds every figure, the calibration and its source.`

func containersUpFlags(fs *flag.FlagSet) testbedAction {
	nodes := fs.Int("nodes", 3, "number of nodes (node1 is the master)")
	dir := fs.String("dir", "", "directory for hosts.yaml, known_hosts, id_ed25519 (required)")
	id := fs.String("id", "", "testbed id used in names and labels (default: random)")
	mirror := fs.String("mirror", "", "Debian mirror for building the node image (default: this machine's APT mirror)")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long to wait for every node's ssh and dockerd")
	as := fs.String("as", "", "pose every node as a board ("+strings.Join(containers.BoardNames(), ", ")+"), or one per node, comma-separated")
	latency := fs.Duration("latency", 0, "with --as: a delay added to every node's network (needs the netem qdisc)")
	bench := fs.String("bench", "", "the edgerig-bench binary copied into every node (default: beside edgerig, or bin/)")
	return func(ctx context.Context, stdio cli.IO) error {
		if *dir == "" {
			return cli.UsageError{Msg: "--dir is required"}
		}
		boards, err := containers.ParseAs(*as, *nodes)
		if err != nil {
			return cli.UsageError{Msg: err.Error()}
		}
		if *latency != 0 && boards == nil {
			return cli.UsageError{Msg: "--latency needs --as"}
		}
		benchPath, err := findBench(*bench)
		if err != nil && boards != nil {
			return err
		}
		cli, err := dockerClient()
		if err != nil {
			return err
		}
		defer cli.Close()
		tb, err := containers.Up(ctx, cli, containers.Options{
			Nodes: *nodes, Dir: *dir, ID: *id, Mirror: *mirror, Timeout: *timeout, Progress: stdio.Err,
			As: boards, Latency: *latency, Bench: benchPath,
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdio.Out, tb.HostsPath())
		return nil
	}
}

const containersDownHelp = `Removes every container, network and volume of the testbed recorded in DIR (also
what a failed up left, and without complaint what is already gone), then the files
up wrote into DIR. The cached node image is kept. With --id, removes what is
labelled edgerig.testbed=ID in the Docker engine, and touches no file.`

func containersDownFlags(fs *flag.FlagSet) testbedAction {
	dir := fs.String("dir", "", "the directory given to up")
	id := fs.String("id", "", "instead of --dir: the testbed id, when its directory is lost")
	return func(ctx context.Context, stdio cli.IO) error {
		if (*dir == "") == (*id == "") {
			return cli.UsageError{Msg: "give one of --dir and --id"}
		}
		cli, err := dockerClient()
		if err != nil {
			return err
		}
		defer cli.Close()
		if *id != "" {
			return containers.RemoveByLabel(ctx, cli, *id, stdio.Err)
		}
		return containers.Down(ctx, cli, *dir, stdio.Err)
	}
}

// findBench finds edgerig-bench: the flag's path, else beside this
// executable, else bin/ (where make build puts it).
func findBench(flagValue string) (string, error) {
	if flagValue != "" {
		if _, err := os.Stat(flagValue); err != nil {
			return "", fmt.Errorf("--bench: %w", err)
		}
		return flagValue, nil
	}
	var cands []string
	if exe, err := os.Executable(); err == nil {
		cands = append(cands, filepath.Join(filepath.Dir(exe), "edgerig-bench"))
	}
	cands = append(cands, filepath.Join("bin", "edgerig-bench"))
	for _, c := range cands {
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c, nil
		}
	}
	return "", fmt.Errorf("no edgerig-bench found (looked at %s): run `make build`, or pass --bench", strings.Join(cands, ", "))
}

func dockerClient() (*client.Client, error) {
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return cli, nil
}
