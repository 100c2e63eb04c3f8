package report

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/edgerig/edgerig/results"
)

// Output files in the report directory. Their names are stable: other
// tools and tests look for them.
const (
	MarkdownFile = "report.md"
	PDFFile      = "report.pdf"
	StatsFile    = "stats.csv"
)

// Render computes the statistics of run's measure phases and writes the
// figures, report.md, report.pdf and stats.csv into outDir (created if
// needed). A run whose runner died renders like any other, marked aborted.
func Render(run *results.Run, outDir string) (*Summary, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("render %s: %w", run.Dir, err)
	}
	data := trials(run)
	s := summarize(run, data)
	figs, err := hostFigures(data)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", run.Dir, err)
	}
	cfigs, err := containerFigures(data, containerNames(run.Events))
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", run.Dir, err)
	}
	figs = append(figs, cfigs...)
	if hasProbe(s) {
		of, err := overheadFigure(data)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", run.Dir, err)
		}
		figs = append(figs, of)
	}
	for _, f := range figs {
		names, err := f.save(outDir)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", run.Dir, err)
		}
		s.Files = append(s.Files, names...)
	}
	if err := writeStatsCSV(filepath.Join(outDir, StatsFile), s); err != nil {
		return nil, fmt.Errorf("render %s: %w", run.Dir, err)
	}
	s.Files = append(s.Files, StatsFile)
	if _, err := writePDF(filepath.Join(outDir, PDFFile), markdown(s, nil), figs); err != nil {
		return nil, fmt.Errorf("render %s: %w", run.Dir, err)
	}
	s.Files = append(s.Files, PDFFile)
	md := markdown(s, figs)
	if err := os.WriteFile(filepath.Join(outDir, MarkdownFile), []byte(md), 0o644); err != nil {
		return nil, fmt.Errorf("render %s: %w", run.Dir, err)
	}
	s.Files = append(s.Files, MarkdownFile)
	return s, nil
}

func hasProbe(s *Summary) bool {
	for _, t := range s.Trials {
		for _, st := range t.Stats {
			if st.Kind == "probe" && st.Metric == "cpu_pct" {
				return true
			}
		}
	}
	return false
}
