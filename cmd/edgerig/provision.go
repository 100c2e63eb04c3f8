package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/provision"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/runner"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

const provisionUsage = `Usage: edgerig provision SPEC [flags]

Makes the hosts of a testbed ready for the experiment SPEC: what its parts
need (an NTP client always; a Docker engine for swarm; containerd, kernel
modules, sysctls, swap off, unique host names and the memory cgroup for
kubernetes; Java 17 and Python for the word count) and what the spec adds
under provision:. Packages come from apt; modules and sysctls are set now
and persisted; a Raspberry Pi's boot flags go into cmdline.txt and the Pi
is rebooted, then checked again. Hosts are worked on in parallel; each
action prints ok, changed or failed, and a summary table ends the run.
Running it again changes nothing. --check changes nothing and lists what
would change.

`

func runProvision(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("edgerig provision", stderr, provisionUsage)
	hostsFile := fs.String("hosts", "hosts.yaml", "inventory of hosts and testbeds")
	testbedName := fs.String("testbed", "", "testbed to provision (default: the spec's, else the inventory's default)")
	check := fs.Bool("check", false, "change nothing: list what would change")
	parallel := fs.Int("parallel", 8, "hosts worked on at once")
	rebootTimeout := fs.Duration("reboot-timeout", 10*time.Minute, "how long to wait for a host's SSH after a reboot")
	acceptNew := fs.Bool("accept-new-host-keys", false, "record unknown SSH host keys in known_hosts (never accepts a changed key)")
	if err := fs.Parse(reorder(fs, args)); err != nil {
		return flagErr(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"provision: name exactly one spec"}
	}
	s, inv, testbed, hosts, err := loadTestbed(fs.Arg(0), *hostsFile, *testbedName)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	what := "provisioning"
	if *check {
		what = "checking (no changes)"
	}
	fmt.Fprintf(stderr, "edgerig: %s %d host(s) of testbed %s for %s\n", what, len(hosts), testbed, s.Name)
	res := provision.Provision(ctx, provision.For(s, hosts), hosts, provision.Options{
		Connect:       connector(inv, *acceptNew),
		CheckOnly:     *check,
		Parallel:      *parallel,
		RebootTimeout: *rebootTimeout,
		Progress:      stderr,
	})
	provision.Summary(stdout, res)
	if err := provision.Failed(res); err != nil {
		return fmt.Errorf("some hosts are not ready:\n%w", err)
	}
	if ctx.Err() != nil {
		return exitError{code: 130, msg: "edgerig provision: interrupted"}
	}
	return nil
}

// loadTestbed loads a spec and an inventory and picks the testbed the way
// edgerig run does.
func loadTestbed(specPath, hostsFile, testbedFlag string) (*spec.Spec, *inventory.Inventory, string, []inventory.Host, error) {
	s, err := spec.Load(specPath)
	if err != nil {
		return nil, nil, "", nil, invalidError{err.Error()}
	}
	inv, err := inventory.Load(hostsFile)
	if err != nil {
		var problems *spec.Errors
		if errors.As(err, &problems) {
			return nil, nil, "", nil, invalidError{err.Error()}
		}
		return nil, nil, "", nil, err
	}
	testbed := firstNonEmpty(testbedFlag, s.Testbed, inv.DefaultTestbed)
	hosts, err := inv.Testbed(testbed)
	if err != nil {
		return nil, nil, "", nil, usageError{err.Error()}
	}
	return s, inv, testbed, hosts, nil
}

// provisionRemedy is what ends each line of a refusal.
func provisionRemedy(s *spec.Spec, hostsFile, testbed string) string {
	return fmt.Sprintf("run: edgerig provision %s --hosts %s --testbed %s", transport.QuoteArg(s.Path), transport.QuoteArg(hostsFile), transport.QuoteArg(testbed))
}

// requirementsCheck is the runner's check before set-up: package
// provision's requirements for s, refused with the provision remedy.
func requirementsCheck(s *spec.Spec, hostsFile, testbed string) runner.Requirements {
	return func(ctx context.Context, hosts []inventory.Host, ts []transport.Transport) ([]results.Requirement, error) {
		res := provision.Check(ctx, provision.For(s, hosts), hosts, ts)
		return provision.Record(res), provision.Refusal(res, provisionRemedy(s, hostsFile, testbed))
	}
}

// dryRunCheck is the same check for --dry-run: it connects to every host,
// prints each requirement's state and refuses as the run would.
func dryRunCheck(w io.Writer, cfg runner.Config) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ts := make([]transport.Transport, len(cfg.Hosts))
	errs := transport.Each(ctx, len(cfg.Hosts), 16, func(ctx context.Context, i int) error {
		t, err := cfg.Connect(ctx, cfg.Hosts[i])
		ts[i] = t
		return err
	})
	var unreachable []string
	for i, err := range errs {
		if err != nil {
			unreachable = append(unreachable, fmt.Sprintf("%s: not checked: connect: %v", cfg.Hosts[i].Name, err))
		}
	}
	defer func() {
		for _, t := range ts {
			if t != nil {
				t.Close()
			}
		}
	}()
	var hosts []inventory.Host
	var open []transport.Transport
	for i, t := range ts {
		if t != nil {
			hosts, open = append(hosts, cfg.Hosts[i]), append(open, t)
		}
	}
	found, err := cfg.Requirements(ctx, hosts, open)
	fmt.Fprintln(w, "requirements on the hosts:")
	for _, rq := range found {
		line := fmt.Sprintf("  %-12s %-52s %s", rq.Host, rq.Requirement, rq.State)
		if rq.Found != "" {
			line += " (" + rq.Found + ")"
		}
		fmt.Fprintln(w, line)
	}
	var ue *provision.UnmetError
	switch {
	case len(unreachable) == 0:
		return err
	case errors.As(err, &ue):
		ue.Lines = append(unreachable, ue.Lines...)
		return ue
	case err != nil:
		return err
	}
	return &provision.UnmetError{Lines: unreachable}
}
