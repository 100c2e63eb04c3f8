package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/edgerig/edgerig/compare"
	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/report"
)

// compareCmd puts runs side by side from their run directories alone.
func compareCmd() cli.Command {
	return cli.Command{
		Name: "compare", Args: "RUNDIR RUNDIR...", MinArgs: 2, MaxArgs: -1, Complete: "rundir",
		Summary: "put runs side by side (e.g. by hardware): means and ratios with 95 % intervals",
		Help: `Puts runs side by side (typically the same experiment on different
hardware, told apart by the hosts' "hardware" label): for every trial
(matched by its parameters), host role and metric, each run's mean with a
95 % confidence interval and its ratio to the first run with an interval of
its own; a ratio whose interval excludes 1 is marked *. The unit of
replication is the repeat (Student t over repeat means, Fieller for
ratios); a combination run once falls back to a moving-block bootstrap over
its time series, and the output says so. Writes compare.md, compare.csv,
grouped-bar figures per role and metric (PNG, SVG) and compare.pdf into
--out, prints the Markdown table, and last the directory. Reads only the
run directories.`,
		Flags: func(fs *flag.FlagSet) cli.Action {
			out := fs.String("out", "", "`directory` for the comparison (default: comparisons/compare-YYYYMMDD-HHMMSS)")
			return func(args []string, stdio cli.IO) error { return runCompare(args, *out, stdio.Out, stdio.Err) }
		},
	}
}

func runCompare(dirs []string, out string, stdout, stderr io.Writer) error {
	var aggs []*report.Aggregate
	for _, dir := range dirs {
		a, err := report.Load(dir)
		if err != nil {
			return err
		}
		for _, w := range a.Warnings {
			fmt.Fprintf(stderr, "edgerig compare: %s: %s\n", dir, w)
		}
		if !a.Completed() {
			fmt.Fprintf(stderr, "edgerig compare: %s: the run is %s; its cut-short trials are left out\n", dir, a.Status)
		}
		aggs = append(aggs, a)
	}
	c, err := compare.Build(aggs)
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join("comparisons", "compare-"+time.Now().Format("20060102-150405"))
	}
	if err := compare.Write(c, out); err != nil {
		return err
	}
	fmt.Fprint(stdout, c.Markdown())
	fmt.Fprintln(stdout, out)
	return nil
}
