package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/testbed/qemu"
)

func qemuUpHelp() string {
	return "Boots emulated ARM hosts (arm64: Cortex-A53 like a Pi 3; armv7: Cortex-A15 for a\n" +
		"Pi 2), 2 vCPUs and 1 GB each, Debian " + qemu.Suite + " with sshd, reachable only on a\n" +
		"127.0.0.1 port. Writes DIR/hosts.yaml (testbeds \"" + qemu.TestbedName + "\" and \"" + qemu.TestbedWithLocal + "\"),\n" +
		"DIR/known_hosts and DIR/id_ed25519. Each image is built once (about 10-15 minutes\n" +
		"per architecture, under emulation) and cached in the edgerig cache (qemu/);\n" +
		"VMs boot from copy-on-write overlays of it (30-60 s). Progress goes to stderr,\n" +
		"the path of hosts.yaml to stdout. Emulation shows that things work on ARM, not\n" +
		"how fast a Raspberry Pi is."
}

func qemuUpFlags(fs *flag.FlagSet) testbedAction {
	arch := fs.String("arch", "arm64", "architectures, comma-separated: "+strings.Join(qemu.ArchNames(), ", "))
	nodes := fs.Int("nodes", 1, "VMs per architecture")
	dir := fs.String("dir", "", "directory for hosts.yaml, known_hosts, id_ed25519 and the VMs (required)")
	port := fs.Int("port", 0, "first SSH port on 127.0.0.1 (then +1 per VM); 0 picks free ports")
	timeout := fs.Duration("timeout", 6*time.Minute, "how long each VM may take to boot and answer SSH")
	mirror := fs.String("mirror", "", "Debian mirror for building the images (default: this machine's APT mirror)")
	noBuild := fs.Bool("no-build", false, "fail instead of building an image that is not in the cache")
	return func(ctx context.Context, stdio cli.IO) error {
		if *dir == "" {
			return cli.UsageError{Msg: "--dir is required"}
		}
		var arches []string
		for _, a := range strings.Split(*arch, ",") {
			if a = strings.TrimSpace(a); a != "" {
				if _, err := qemu.LookupArch(a); err != nil {
					return cli.UsageError{Msg: "--arch: " + err.Error()}
				}
				arches = append(arches, a)
			}
		}
		tb, err := qemu.Up(ctx, qemu.Options{
			Dir: *dir, Arches: arches, Nodes: *nodes, Port: *port, BootTimeout: *timeout,
			Mirror: *mirror, NoBuild: *noBuild, Log: stdio.Err,
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(stdio.Out, filepath.Join(tb.Dir, "hosts.yaml"))
		return nil
	}
}

const qemuDownHelp = `Stops every VM that up started in DIR (by the pidfiles it recorded) and removes
their overlays; serial logs stay. A VM already gone is not an error. The cached
images are kept.`

func qemuDownFlags(fs *flag.FlagSet) testbedAction {
	dir := fs.String("dir", "", "the directory given to up (required)")
	return func(ctx context.Context, stdio cli.IO) error {
		if *dir == "" {
			return cli.UsageError{Msg: "--dir is required"}
		}
		return qemu.Down(*dir)
	}
}
