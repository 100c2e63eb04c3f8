package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/local"
	"github.com/edgerig/edgerig/transport/ssh"
)

const hostsHelp = `Connects to every host of a testbed (SSH, known_hosts checked strictly)
and prints one row per host: architecture, board model, kernel, cgroup
version, Docker version, CPUs, memory, disk, and the clock offset to this
machine with its error bound, measured NTP-style over the SSH channel (best
of --exchanges round trips). Warns when an offset exceeds --max-offset:
Spark's file stream silently drops files written by a NameNode whose clock
is behind, and Raspberry Pis have no real-time clock.
Exits 1 when a host cannot be reached or checked.`

// hostsCheck is what the flags of `edgerig hosts check` set.
type hostsCheck struct {
	hostsFile, testbed string
	acceptNew          bool
	maxOffset          time.Duration
	parallel           int
	exchanges          int
	timeout            time.Duration
}

func hostsCheckCmd() cli.Command {
	return cli.Command{
		Name: "hosts check", Summary: "check the hosts of a testbed: facts and clock offsets",
		Help: hostsHelp,
		Flags: func(fs *flag.FlagSet) cli.Action {
			var o hostsCheck
			fs.StringVar(&o.hostsFile, "hosts", "hosts.yaml", "inventory `file`")
			fs.StringVar(&o.testbed, "testbed", "", "testbed `name` (default: the inventory's default_testbed)")
			fs.BoolVar(&o.acceptNew, "accept-new-host-keys", false, "record the keys of hosts known_hosts does not know yet (a changed key is refused all the same)")
			fs.DurationVar(&o.maxOffset, "max-offset", 100*time.Millisecond, "warn when a host's clock is further than this from this machine's")
			fs.IntVar(&o.parallel, "parallel", 16, "check at most `n` hosts at once")
			fs.IntVar(&o.exchanges, "exchanges", facts.MinExchanges, "clock exchanges per host (at least 20); the one with the smallest round trip is kept")
			fs.DurationVar(&o.timeout, "timeout", time.Minute, "time allowed per host")
			return func(_ []string, stdio cli.IO) error { return runHostsCheck(o, stdio.Out, stdio.Err) }
		},
	}
}

func runHostsCheck(o hostsCheck, stdout, stderr io.Writer) error {
	inv, err := inventory.Load(o.hostsFile)
	if err != nil {
		return err
	}
	hosts, err := inv.Testbed(o.testbed)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fs2 := make([]results.HostFacts, len(hosts))
	start := time.Now()
	errs := transport.Each(ctx, len(hosts), o.parallel, func(ctx context.Context, i int) error {
		var err error
		fs2[i], err = checkHost(ctx, inv, hosts[i], o)
		return err
	})
	fmt.Fprintf(stderr, "edgerig: checked %d hosts in %v (at most %d at once)\n", len(hosts), time.Since(start).Round(time.Millisecond), o.parallel)
	printHosts(stdout, hosts, fs2, errs)
	failed := 0
	for i, err := range errs {
		if err != nil {
			failed++
			fmt.Fprintf(stderr, "edgerig: %s: %v\n", hosts[i].Name, err)
			continue
		}
		if w := offsetWarning(fs2[i], o.maxOffset); w != "" {
			fmt.Fprintln(stderr, "edgerig: warning: "+w)
		}
	}
	if failed > 0 {
		return cli.Interrupted(ctx, "edgerig hosts check", fmt.Errorf("%d of %d hosts failed the check", failed, len(hosts)))
	}
	return nil
}

// checkHost connects to h and learns its facts and clock offset.
func checkHost(ctx context.Context, inv *inventory.Inventory, h inventory.Host, o hostsCheck) (results.HostFacts, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var t transport.Transport
	if h.Local {
		t = local.New(h.Name)
	} else {
		cfg, err := ssh.ConfigFor(inv, h, o.acceptNew)
		if err != nil {
			return results.HostFacts{}, err
		}
		st, err := ssh.Dial(ctx, cfg)
		if err != nil {
			return results.HostFacts{}, err
		}
		t = st
	}
	defer t.Close()
	f, err := facts.Gather(ctx, t)
	if err != nil {
		return f, err
	}
	f.Name, f.Address, f.Roles, f.Labels = h.Name, h.Address, h.Roles, h.Labels
	if f.ClockOffset, f.ClockError, err = facts.ClockOffset(ctx, t, o.exchanges); err != nil {
		return f, err
	}
	return f, nil
}

func printHosts(w io.Writer, hosts []inventory.Host, fs []results.HostFacts, errs []error) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tARCH\tMODEL\tKERNEL\tCGROUP\tDOCKER\tCPUS\tMEMORY\tDISK\tCLOCK OFFSET")
	for i, h := range hosts {
		if errs[i] != nil {
			fmt.Fprintf(tw, "%s\t%s\n", h.Name, "unreachable or failed (see below)")
			continue
		}
		f := fs[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\tv%d\t%s\t%d\t%s\t%s\t%s\n", h.Name, dash(f.Arch), dash(f.Model), dash(f.Kernel),
			f.CgroupVersion, dash(f.DockerVersion), f.CPUs, gib(f.MemBytes), gib(f.DiskBytes), offset(f.ClockOffset, f.ClockError))
	}
	tw.Flush()
}

// offsetWarning says why an offset beyond max matters, or "".
func offsetWarning(f results.HostFacts, max time.Duration) string {
	if f.ClockOffset.Abs() <= max {
		return ""
	}
	dir := "ahead of"
	if f.ClockOffset < 0 {
		dir = "behind"
	}
	return fmt.Sprintf("%s: clock is %v (±%v) %s this machine's, beyond %v: delays measured across hosts are off by as much, "+
		"and Spark's file stream silently drops files from a NameNode whose clock is behind; Pis have no real-time clock: run NTP "+
		"(e.g. systemd-timesyncd or chrony) on every host", f.Name, f.ClockOffset.Abs().Round(time.Microsecond), f.ClockError.Round(time.Microsecond), dir, max)
}

func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

func gib(b int64) string {
	if b <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
}

func offset(off, bound time.Duration) string {
	sign := "+"
	if off < 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s%v ±%v", sign, off.Abs().Round(time.Microsecond), bound.Round(time.Microsecond))
}
