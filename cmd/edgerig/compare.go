package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/edgerig/edgerig/report"
)

// runCompare puts runs side by side from their run directories alone.
func runCompare(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("edgerig compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: edgerig compare RUNDIR RUNDIR...

Puts runs side by side (typically the same experiment on different
hardware, told apart by the hosts' "hardware" label): for every trial
(matched by its parameters), host role and metric, each run's mean over
the measure phase and its ratio to the first run. Prints a Markdown table.
Reads only the run directories.`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() < 2 {
		fs.Usage()
		return usageError{"compare: need at least two run directories"}
	}
	var sums []*report.Aggregate
	for _, dir := range fs.Args() {
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
