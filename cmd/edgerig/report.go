package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
)

// runReport (re)renders a run directory's report from the directory alone;
// it never contacts a host, so it works on old runs and aborted ones.
func runReport(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("edgerig report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	resultsPath := fs.String("results", "RESULTS.md", "Markdown file whose section for the experiment is updated; '' to leave it alone")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: edgerig report RUNDIR [--results FILE]

Renders the report of a run directory into RUNDIR/report: cpu and memory
figures (PNG, SVG; one panel per trial), container figures, the probe's
overhead, report.md, report.pdf and stats.csv. It reads only the run
directory, never a host; a run whose runner was killed is rendered and
marked aborted. It then updates the experiment's section of RESULTS.md.
The last line printed is the report directory.

Flags:`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return usageError{"report: missing RUNDIR"}
	}
	dir := fs.Arg(0)
	// Flags may also follow the run directory.
	if err := fs.Parse(fs.Args()[1:]); err != nil {
		return flagErr(err)
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("report: one RUNDIR, got also %q", fs.Args())}
	}
	out, err := renderReport(dir, *resultsPath, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, out)
	return nil
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
