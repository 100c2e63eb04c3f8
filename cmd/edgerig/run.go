package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/runner"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("edgerig run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := runOptions{}
	fs.StringVar(&o.hosts, "hosts", "hosts.yaml", "inventory of hosts and testbeds")
	fs.StringVar(&o.testbed, "testbed", "", "testbed to run on (default: the spec's, else the inventory's default)")
	fs.BoolVar(&o.quick, "quick", false, "shorten settle and measure to each phase's `quick` length (smoke runs)")
	fs.StringVar(&o.out, "out", "runs", "directory that receives the run directory")
	fs.BoolVar(&o.dryRun, "dry-run", false, "print the expanded plan and touch nothing")
	fs.StringVar(&o.probes, "probes", "", "directory of probe builds edgerig-probe-linux-ARCH (default: probes/ next to the edgerig binary, then bin/probes)")
	fs.BoolVar(&o.noReport, "no-report", false, "do not render the report after the run")
	fs.StringVar(&o.resultsMD, "results", "RESULTS.md", "RESULTS.md to update with the run's summary ('' for none)")
	fs.BoolVar(&o.acceptNew, "accept-new-host-keys", false, "record unknown SSH host keys in known_hosts (never accepts a changed key)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: edgerig run SPEC [flags]

Runs the experiment SPEC (experiments/*.yaml) on a testbed of the inventory:
connects to every host, places a probe, runs each trial's phases (setup,
settle, measure, teardown), and writes a run directory as it goes (manifest,
events, samples), then renders its report. Progress goes to stderr; the last
line on stdout is the run directory.

Ctrl-C (SIGINT) or SIGTERM stops the run: teardown still runs, every sample
received is kept, and the run is marked aborted.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(reorder(fs, args)); err != nil {
		return flagErr(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError{"run: name exactly one spec"}
	}
	s, err := spec.Load(fs.Arg(0))
	if err != nil {
		return invalidError{err.Error()}
	}
	inv, err := inventory.Load(o.hosts)
	if err != nil {
		var problems *spec.Errors
		if errors.As(err, &problems) {
			return invalidError{err.Error()}
		}
		return err
	}
	testbed := firstNonEmpty(o.testbed, s.Testbed, inv.DefaultTestbed)
	hosts, err := inv.Testbed(testbed)
	if err != nil {
		return usageError{err.Error()}
	}
	if err := s.CheckRoles(testbed, inventory.Roles(hosts)); err != nil {
		return invalidError{err.Error()}
	}
	cfg := runner.Config{
		Spec: s, Testbed: testbed, Hosts: hosts, OutDir: o.out, Quick: o.quick,
		Progress: stderr,
		Connect:  connector(inv, o.acceptNew),
		Facts:    facts.Gather,
		Clock:    clockOffset,
	}
	cfg.Requirements = requirementsCheck(s, o.hosts, testbed)
	if err := runner.Check(cfg); err != nil {
		return err
	}
	if o.dryRun {
		printPlan(stdout, s, testbed, hosts, o.quick)
		return dryRunCheck(stdout, cfg)
	}
	if cfg.ProbesDir, err = probesDir(o.probes); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dir, runErr := runner.Run(ctx, cfg)
	stop() // a second Ctrl-C now ends edgerig at once
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

// reorder lets flags follow the positional SPEC (edgerig run SPEC --quick),
// which the standard flag package alone does not allow.
func reorder(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, pos...)
}

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
	fmt.Fprintf(w, "%d trial(s):\n", len(trials))
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
