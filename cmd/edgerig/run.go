package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/runner"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

func runCmd() cli.Command {
	return cli.Command{
		Name: "run", Args: "SPEC", MinArgs: 1, MaxArgs: 1, Complete: "spec",
		Summary: "run an experiment on a testbed and render its report",
		Help: `Runs the experiment SPEC (experiments/*.yaml) on a testbed of the inventory:
connects to every host, places a probe, runs each trial's phases (setup,
settle, measure, teardown), and writes a run directory as it goes (manifest,
events, samples), then renders its report. Progress goes to stderr; the last
line on stdout is the run directory.

Ctrl-C (SIGINT) or SIGTERM stops the run: teardown still runs, every sample
received is kept, and the run is marked aborted (exit status 130). A second
Ctrl-C abandons teardown and exits at once, listing what may be left on which
host.

A spec whose testbed is {kind: containers, nodes: N} gets a container testbed
of N nodes made for the run (the node image is built on first use) and
removed after it, also after a failure or an interrupt; --hosts FILE (or
--testbed NAME) runs it on an inventory's testbed instead.`,
		Flags: func(fs *flag.FlagSet) cli.Action {
			o := runOptions{}
			fs.StringVar(&o.hosts, "hosts", "", "inventory of hosts and testbeds (default hosts.yaml; a spec's testbed: {kind: containers, ...} is made for the run unless --hosts or --testbed is given)")
			fs.StringVar(&o.testbed, "testbed", "", "testbed to run on (default: the spec's, else the inventory's default)")
			fs.BoolVar(&o.quick, "quick", false, "shorten settle and measure to each phase's quick length (smoke runs)")
			fs.StringVar(&o.out, "out", "runs", "directory that receives the run directory")
			fs.BoolVar(&o.dryRun, "dry-run", false, "print the expanded plan and touch nothing")
			fs.StringVar(&o.probes, "probes", "", "directory of probe builds edgerig-probe-linux-ARCH (default: probes/ next to the edgerig binary, then bin/probes)")
			fs.BoolVar(&o.noReport, "no-report", false, "do not render the report after the run")
			fs.StringVar(&o.resultsMD, "results", "RESULTS.md", "RESULTS.md to update with the run's summary ('' for none)")
			fs.BoolVar(&o.acceptNew, "accept-new-host-keys", false, "record unknown SSH host keys in known_hosts (never accepts a changed key)")
			return func(args []string, stdio cli.IO) error { return runRun(o, args[0], stdio.Out, stdio.Err) }
		},
	}
}

// runRun runs the spec at specPath with the options its flags set.
func runRun(o runOptions, specPath string, stdout, stderr io.Writer) error {
	s, err := spec.Load(specPath)
	if err != nil {
		return invalidError{err.Error()}
	}
	// A spec that names a testbed by kind and size gets one made for the
	// run, unless --hosts or --testbed picks an inventory's testbed.
	makeOne := s.NewTestbed != nil && o.hosts == "" && o.testbed == ""
	hostsFile := firstNonEmpty(o.hosts, "hosts.yaml")
	var cfg runner.Config
	if makeOne {
		cfg.Testbed, cfg.Hosts = madeTestbedName(s.NewTestbed, ""), plannedHosts(s.NewTestbed)
	} else {
		inv, err := inventory.Load(hostsFile)
		if err != nil {
			var problems *spec.Errors
			if errors.As(err, &problems) {
				return invalidError{err.Error()}
			}
			return err
		}
		cfg.Testbed = firstNonEmpty(o.testbed, s.Testbed, inv.DefaultTestbed)
		if cfg.Hosts, err = inv.Testbed(cfg.Testbed); err != nil {
			return cli.UsageError{Msg: err.Error()}
		}
		cfg.Connect = connector(inv, o.acceptNew)
		cfg.Requirements = requirementsCheck(s, hostsFile, cfg.Testbed)
	}
	if err := s.CheckRoles(cfg.Testbed, inventory.Roles(cfg.Hosts)); err != nil {
		return invalidError{err.Error()}
	}
	cfg.Spec, cfg.OutDir, cfg.Quick, cfg.Progress = s, o.out, o.quick, stderr
	cfg.Facts, cfg.Clock = facts.Gather, clockOffset
	cfg.Images = &serviceImages{progress: stderr}
	if err := runner.Check(cfg); err != nil {
		return err
	}
	if o.dryRun {
		printPlan(stdout, s, cfg.Testbed, cfg.Hosts, o.quick)
		if makeOne {
			fmt.Fprintln(stdout, "the testbed is made when the run starts: its hosts are checked then")
			return nil
		}
		return dryRunCheck(stdout, cfg)
	}
	if cfg.ProbesDir, err = probesDir(o.probes); err != nil {
		return err
	}
	var created atomic.Value
	cfg.Created = func(dir string) { created.Store(dir) }
	var made atomic.Pointer[madeTestbed]
	madeID, making := "", make(chan struct{}) // making is closed once makeTestbed has returned
	if makeOne {
		madeID = newMadeID()
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, stopWatch := interrupts(sigs, stderr, func() {
		dir, _ := created.Load().(string)
		if makeOne {
			// Nothing is left on hosts that are removed: remove them,
			// also when they were still being made.
			abandonMessage(stderr, nil)
			// A testbed still being made has requests in flight: let the
			// cancelled make return (bounded), so that nothing it asked for
			// is created after the removal.
			select {
			case <-making:
			case <-time.After(30 * time.Second):
			}
			rm := func() error { return removeMade(madeID, stderr) }
			if m := made.Load(); m != nil {
				rm = func() error { return m.remove(stderr) }
			}
			if err := rm(); err != nil {
				fmt.Fprintf(stderr, "edgerig: %v\n", err)
			}
			os.Exit(130)
		}
		abandonMessage(stderr, runner.Leftovers(cfg, dir))
		os.Exit(130)
	})
	if makeOne {
		m, err := makeTestbed(ctx, s.NewTestbed, madeID, stderr)
		if err == nil {
			made.Store(m)
		}
		close(making)
		if err != nil {
			// Ask before stopWatch, which ends ctx: only a signal is an
			// interrupt.
			interrupted := ctx.Err() != nil
			stopWatch()
			if interrupted {
				return exitError{code: 130, msg: "edgerig run: interrupted while making the testbed: " + err.Error()}
			}
			return err
		}
		defer func() {
			if err := m.remove(stderr); err != nil {
				fmt.Fprintf(stderr, "edgerig: removing the testbed made for the run: %v\n", err)
			}
		}()
		cfg.Testbed = madeTestbedName(s.NewTestbed, m.tb.ID)
		if cfg.Hosts, err = m.inv.Testbed(""); err != nil {
			stopWatch()
			return err
		}
		cfg.Connect = connector(m.inv, false)
		cfg.Requirements = requirementsCheck(s, m.tb.HostsPath(), "containers")
	}
	dir, runErr := runner.Run(ctx, cfg)
	stopWatch()
	signal.Stop(sigs) // a Ctrl-C during the report now ends edgerig at once
	if m := made.Load(); m != nil {
		// Before the report, which never touches a host: the testbed's
		// removal is part of the run, and its errors are the run's.
		if err := m.remove(stderr); err != nil {
			runErr = errors.Join(runErr, fmt.Errorf("removing the testbed made for the run: %w", err))
		}
	}
	if dir == "" {
		return runErr
	}
	if !o.noReport {
		if _, err := renderReport(dir, o.resultsMD, stderr); err != nil {
			fmt.Fprintf(stderr, "edgerig: report: %v\n", err)
			if runErr == nil {
				runErr = err
			}
		}
	}
	fmt.Fprintln(stdout, dir)
	if errors.Is(runErr, runner.ErrInterrupted) {
		return exitError{code: 130, msg: "edgerig run: " + runErr.Error()}
	}
	return runErr
}

type runOptions struct {
	hosts, testbed, out, probes, resultsMD string
	quick, dryRun, noReport, acceptNew     bool
}

// exitError chooses the exit status (130 after an interrupt, as shells do).
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }
func (e exitError) ExitCode() int { return e.code }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// probesDir finds the probe builds: the flag, probes/ beside the edgerig
// binary (bin/probes after make), or bin/probes under the current directory.
func probesDir(flagValue string) (string, error) {
	cands := []string{flagValue}
	if flagValue == "" {
		if exe, err := os.Executable(); err == nil {
			cands = append(cands, filepath.Join(filepath.Dir(exe), "probes"))
		}
		cands = append(cands, filepath.Join("bin", "probes"))
	}
	for _, c := range cands {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && st.IsDir() {
			return c, nil
		}
	}
	if flagValue != "" {
		return "", fmt.Errorf("--probes %s: not a directory", flagValue)
	}
	return "", fmt.Errorf("no probe builds found (looked in %s): run `make probes`, or pass --probes DIR", strings.Join(cands[1:], ", "))
}

func printPlan(w io.Writer, s *spec.Spec, testbed string, hosts []inventory.Host, quick bool) {
	fmt.Fprintf(w, "experiment %s (%s)\n", s.Name, s.Path)
	if s.Description != "" {
		fmt.Fprintf(w, "  %s\n", s.Description)
	}
	fmt.Fprintf(w, "testbed %s: %d host(s)\n", testbed, len(hosts))
	for _, h := range hosts {
		addr := h.Address
		if h.Local {
			addr = "local"
		} else if h.Port != 0 {
			addr = fmt.Sprintf("%s:%d", addr, h.Port)
		}
		fmt.Fprintf(w, "  %-12s %-22s roles=%s\n", h.Name, addr, strings.Join(h.Roles, ","))
	}
	fmt.Fprintf(w, "probe every %s on %s (containers: %v, daemons: %s)\n", s.Probe.Interval,
		rolesOrAll(s.Probe.Roles), s.Probe.Containers, strings.Join(s.Probe.Daemons, ","))
	trials := s.Trials()
	var total time.Duration
	if u := s.Until; u != nil {
		fmt.Fprintf(w, "%d trial(s) planned: each combination runs %d repeats, then more while the RSD of %s stays above %g %%, up to %d\n",
			len(trials), u.Min, u.Metric, u.RSD, u.Max)
	} else {
		fmt.Fprintf(w, "%d trial(s):\n", len(trials))
	}
	for _, tr := range trials {
		p := tr.Spec.Phases
		settle, measure := p.Settle.Length(quick), p.Measure.Length(quick)
		total += settle + measure
		fmt.Fprintf(w, "  %s", tr.ID)
		if !slices.ContainsFunc(s.Matrix, func(ax spec.Axis) bool { return ax.Key == "orchestrator.kind" }) {
			fmt.Fprintf(w, " orchestrator.kind=%s", tr.Spec.Orchestrator.Kind)
		}
		for _, ax := range s.Matrix {
			fmt.Fprintf(w, " %s=%s", ax.Key, tr.Params[ax.Key])
		}
		if s.Repeat > 1 {
			fmt.Fprintf(w, " repeat=%d", tr.Repeat)
		}
		fmt.Fprintf(w, "\n    setup (timeout %s) → settle %s → measure %s → teardown (timeout %s)\n",
			spec.Duration(p.Setup.Timeout), spec.Duration(settle), spec.Duration(measure), spec.Duration(p.Teardown.Timeout))
		for _, st := range tr.Spec.Steps {
			fmt.Fprintf(w, "    step %s on %s: %s\n", st.Phase, strings.Join(st.Roles, ","), transport.Quote(st.Run))
		}
	}
	fmt.Fprintf(w, "sampling time at least %s\n", spec.Duration(total))
}

func rolesOrAll(roles []string) string {
	if len(roles) == 0 {
		return "every host"
	}
	return "roles " + strings.Join(roles, ",")
}
