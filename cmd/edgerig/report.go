package main

import (
	"errors"
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
figures (PNG, SVG and vector PDF; a grid of panels, one per matrix point),
container figures, the probe's overhead, a whole-run timeline, report.md,
report.pdf and stats.csv. It reads only the run directory, never a host; a
run whose runner was killed is rendered and says where it stopped. A
completed run then updates the experiment's section of RESULTS.md (another
only with --results-force).
The last line printed is the report directory.`,
		Flags: func(fs *flag.FlagSet) cli.Action {
			resultsPath := fs.String("results", "RESULTS.md", "Markdown `file` whose section for the experiment is updated; '' to leave it alone")
			force := fs.Bool("results-force", false, "update RESULTS.md even from a run that did not complete")
			return func(args []string, stdio cli.IO) error {
				out, err := renderReportWith(args[0], *resultsPath, *force, stdio.Err)
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
	return renderReportWith(dir, resultsMD, false, stderr)
}

// renderReportWith is renderReport with --results-force: force records a
// run that did not complete in RESULTS.md too.
func renderReportWith(dir, resultsMD string, force bool, stderr io.Writer) (string, error) {
	agg, err := report.Load(dir)
	if err != nil {
		return "", err
	}
	for _, w := range agg.Warnings {
		fmt.Fprintf(stderr, "edgerig report: %s: %s\n", dir, w)
	}
	out := filepath.Join(dir, results.ReportDir)
	if _, err := report.Render(agg, out, report.Options{Sections: []report.Section{report.WordCountSection}}); err != nil {
		return "", err
	}
	fmt.Fprintf(stderr, "edgerig report: %s\n", filepath.Join(out, report.MarkdownFile))
	if resultsMD != "" {
		err := report.UpdateResults(resultsMD, agg, report.ResultsOptions{Force: force, Sections: []report.Section{report.WordCountResults}})
		switch {
		case errors.Is(err, report.ErrNotCompleted):
			fmt.Fprintf(stderr, "edgerig report: %v\n", err)
		case err != nil:
			return "", err
		default:
			fmt.Fprintf(stderr, "edgerig report: updated %s\n", resultsMD)
		}
	}
	if s := agg.Stop; s != nil {
		fmt.Fprintf(stderr, "edgerig report: the run is %s; it stopped in trial %q phase %q: %s\n", agg.Status, s.Trial, s.Phase, s.Why)
	}
	return out, nil
}
