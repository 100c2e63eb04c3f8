package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/report"
)

// compareCmd puts runs side by side from their run directories alone.
func compareCmd() cli.Command {
	return cli.Command{
		Name: "compare", Args: "RUNDIR RUNDIR...", MinArgs: 2, MaxArgs: -1, Complete: "rundir",
		Summary: "put runs side by side (e.g. by hardware) with ratios",
		Help: `Puts runs side by side (typically the same experiment on different
hardware, told apart by the hosts' "hardware" label): for every trial
(matched by its parameters), host role and metric, each run's mean over
the measure phase and its ratio to the first run. Prints a Markdown table.
Reads only the run directories.`,
		Flags: func(fs *flag.FlagSet) cli.Action {
			return func(args []string, stdio cli.IO) error { return runCompare(args, stdio.Out, stdio.Err) }
		},
	}
}

func runCompare(dirs []string, stdout, stderr io.Writer) error {
	var sums []*report.Aggregate
	for _, dir := range dirs {
		a, err := report.Load(dir)
		if err != nil {
			return err
		}
		for _, w := range a.Warnings {
			fmt.Fprintf(stderr, "edgerig compare: %s: %s\n", dir, w)
		}
		sums = append(sums, a)
	}
	c, err := report.Compare(sums)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, c.Markdown())
	return nil
}
