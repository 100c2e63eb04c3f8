package report

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
)

// Output files in the report directory. Their names are stable: other
// tools and tests look for them.
const (
	MarkdownFile = "report.md"
	PDFFile      = "report.pdf"
	StatsFile    = "stats.csv"
)

// Options change what Render writes.
type Options struct {
	// Sections are added after DefaultSections and before the events and
	// warnings: an experiment's own tables (idle overhead per
	// orchestrator and role, word-count delays) plug in here.
	Sections []Section
}

// Rendered is what Render wrote.
type Rendered struct {
	Files []string // in the report directory
	Pages int      // of report.pdf
	// Figures are the figures drawn, in document order, for tests and
	// callers that check their layout.
	Figures []*Figure
}

// Render writes the report of the aggregate into outDir (created if
// needed): every figure as PNG, SVG and vector PDF, stats.csv, report.md
// and report.pdf. It is the report's last stages — figures, tables,
// documents — and reads nothing but the aggregate.
func Render(a *Aggregate, outDir string, opt Options) (*Rendered, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("render %s: %w", a.RunDir, err)
	}
	figs, notes, err := figures(a)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", a.RunDir, err)
	}
	blocks := Blocks(a, figs, notes, opt)
	// Sections may draw figures of their own: every figure of the
	// document is saved, in document order.
	figs = nil
	for _, b := range blocks {
		if b.Figure != nil {
			figs = append(figs, b.Figure)
		}
	}
	out := &Rendered{Figures: figs}
	names, err := saveAll(figs, outDir)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", a.RunDir, err)
	}
	out.Files = append(out.Files, names...)
	if err := writeStatsCSV(filepath.Join(outDir, StatsFile), a); err != nil {
		return nil, fmt.Errorf("render %s: %w", a.RunDir, err)
	}
	out.Files = append(out.Files, StatsFile)
	title := a.Experiment + " — edgerig report"
	if out.Pages, err = writePDF(filepath.Join(outDir, PDFFile), title, blocks); err != nil {
		return nil, fmt.Errorf("render %s: %w", a.RunDir, err)
	}
	out.Files = append(out.Files, PDFFile)
	if err := os.WriteFile(filepath.Join(outDir, MarkdownFile), []byte(markdown(title, blocks)), 0o644); err != nil {
		return nil, fmt.Errorf("render %s: %w", a.RunDir, err)
	}
	out.Files = append(out.Files, MarkdownFile)
	return out, nil
}

// saveAll writes the figures side by side, one goroutine a core: each
// figure draws on canvases of its own. Names come back in figure order.
func saveAll(figs []*Figure, dir string) ([]string, error) {
	names := make([][]string, len(figs))
	errs := make([]error, len(figs))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, f := range figs {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			names[i], errs[i] = f.save(dir)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(names...), nil
}

// Blocks is the whole document: the overview and hosts, the figures, the
// default sections, the added ones, then events and warnings.
func Blocks(a *Aggregate, figs []*Figure, notes []string, opt Options) []Block {
	secs := DefaultSections()
	var out []Block
	out = append(out, secs[0](a)...)
	out = append(out, secs[1](a)...)
	if len(figs) > 0 || len(notes) > 0 {
		out = append(out, Block{Heading: "Figures"})
		if len(notes) > 0 {
			out = append(out, Block{List: notes})
		}
		for _, f := range figs {
			out = append(out, Block{Figure: f})
		}
	}
	for _, s := range secs[2:] {
		out = append(out, s(a)...)
	}
	for _, s := range opt.Sections {
		out = append(out, s(a)...)
	}
	for _, s := range closingSections {
		out = append(out, s(a)...)
	}
	return out
}
