package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
)

// reportCmd (re)renders a run directory's report from the directory
// alone; it never contacts a host, so it works on old runs and aborted ones.
func reportCmd() cli.Command {
	return cli.Command{
		Name: "report", Args: "RUNDIR", MinArgs: 1, MaxArgs: 1, Complete: "rundir",
		Summary: "render a run directory's figures, tables and PDF (reads only the directory)",
		Help: `Renders the report of a run directory into RUNDIR/report: cpu and memory
figures (PNG, SVG; one panel per trial), container figures, the probe's
overhead, report.md, report.pdf and stats.csv. It reads only the run
directory, never a host; a run whose runner was killed is rendered and
marked aborted. It then updates the experiment's section of RESULTS.md.
The last line printed is the report directory.`,
		Flags: func(fs *flag.FlagSet) cli.Action {
			resultsPath := fs.String("results", "RESULTS.md", "Markdown `file` whose section for the experiment is updated; '' to leave it alone")
			return func(args []string, stdio cli.IO) error {
				out, err := renderReport(args[0], *resultsPath, stdio.Err)
				if err != nil {
					return err
				}
				fmt.Fprintln(stdio.Out, out)
				return nil
			}
		},
	}
}

// renderReport renders the run directory's report into RUNDIR/report from
// the directory alone, updates resultsMD (unless it is ""), and returns the
// report directory. Both `edgerig report` and `edgerig run` end here.
func renderReport(dir, resultsMD string, stderr io.Writer) (string, error) {
	run, err := results.Read(dir)
	if err != nil {
		return "", err
	}
	for _, w := range run.Warnings {
		fmt.Fprintf(stderr, "edgerig report: %s: %s\n", dir, w)
	}
	out := filepath.Join(dir, results.ReportDir)
	sum, err := report.Render(run, out)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(stderr, "edgerig report: %s\n", filepath.Join(out, "report.md"))
	if resultsMD != "" {
		if err := report.UpdateResults(resultsMD, run, sum); err != nil {
			return "", err
		}
		fmt.Fprintf(stderr, "edgerig report: updated %s\n", resultsMD)
	}
	if sum.Aborted() {
		fmt.Fprintf(stderr, "edgerig report: the run was aborted; the report shows what it kept\n")
	}
	return out, nil
}
