package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// resultsHeader starts a RESULTS.md that did not exist.
const resultsHeader = "# Results\n\nThe papers' experiments as edgerig reproduced them, each next to the paper's figures.\n" +
	"`edgerig report` rewrites the text between an experiment's `edgerig:begin` and `edgerig:end`\n" +
	"markers with its latest run; anything outside the markers is left as it is.\n"

func beginMarker(exp string) string { return "<!-- edgerig:begin " + exp + " -->" }
func endMarker(exp string) string   { return "<!-- edgerig:end " + exp + " -->" }

// ErrNotCompleted is returned by UpdateResults for a run that did not
// complete: its partial numbers must not replace a complete run's section
// unless ResultsOptions.Force says so.
var ErrNotCompleted = errors.New("the run did not complete")

// ResultsOptions change how UpdateResults treats a run.
type ResultsOptions struct {
	// Force updates the section even from a failed or aborted run
	// (edgerig report --results-force); the section then says so.
	Force bool
	// Sections add an experiment's own results (the word count's Table 4
	// and what its breakdown says) to its part of the file; their figures
	// are left to the report.
	Sections []Section
}

// UpdateResults replaces, or appends, the section of the Markdown file at
// path that belongs to the run's experiment with the run's means per trial
// and host next to the reference values. Only a completed run updates it,
// unless opt.Force; otherwise it returns an error wrapping ErrNotCompleted
// and leaves the file alone. Every byte outside the section is kept; the
// file is created with a short header if it does not exist.
func UpdateResults(path string, s *Aggregate, opt ResultsOptions) error {
	exp := s.Experiment
	if exp == "" || strings.ContainsAny(exp, "\n>") {
		return fmt.Errorf("update %s: run %s has no usable experiment name %q", path, s.RunDir, exp)
	}
	if !s.Completed() && !opt.Force {
		return fmt.Errorf("%s left as it is: run %s is %s: %w (use --results-force to record it anyway)",
			path, filepath.Base(s.RunDir), s.Status, ErrNotCompleted)
	}
	old, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		old = []byte(resultsHeader)
	} else if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	section := resultsSection(path, s, opt.Sections)
	var out []byte
	begin := bytes.Index(old, []byte(beginMarker(exp)))
	if begin < 0 {
		out = slices.Clone(old)
		if len(out) > 0 && !bytes.HasSuffix(out, []byte("\n")) {
			out = append(out, '\n')
		}
		out = append(out, '\n')
		out = append(out, section...)
		out = append(out, '\n')
	} else {
		rel := bytes.Index(old[begin:], []byte(endMarker(exp)))
		if rel < 0 {
			line := bytes.Count(old[:begin], []byte("\n")) + 1
			return fmt.Errorf("update %s:%d: %s has no matching %s; fix the file by hand", path, line, beginMarker(exp), endMarker(exp))
		}
		end := begin + rel + len(endMarker(exp))
		out = append(slices.Clone(old[:begin]), section...)
		out = append(out, old[end:]...)
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, out, 0o644); err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	return nil
}

// resultsSection is the experiment's block, markers included, without a
// trailing newline (the bytes after the old end marker follow it).
func resultsSection(path string, s *Aggregate, secs []Section) string {
	var b strings.Builder
	b.WriteString(beginMarker(s.Experiment) + "\n")
	fmt.Fprintf(&b, "## %s\n\n", s.Experiment)
	if s.Description != "" {
		b.WriteString(s.Description + "\n\n")
	}
	status := s.Status
	if !s.Completed() {
		status = strings.ToUpper(s.Status) + " (partial data, recorded with --results-force)"
	}
	fmt.Fprintf(&b, "Latest run: `%s` — %s, started %s on testbed %s, edgerig %s. Full report: `%s`.\n\n",
		runPath(path, s.RunDir), status, stamp(s.Start), s.Testbed, s.Tool.Version,
		filepath.Join(runPath(path, s.RunDir), results.ReportDir, MarkdownFile))
	t := NewTable("trial", "parameters", "host", "roles", ">CPU mean %", ">CPU p95 %", ">memory mean MiB", ">n")
	roles := map[string]string{}
	for _, h := range s.Hosts {
		roles[h.Name] = strings.Join(h.Roles, ",")
	}
	for _, tr := range s.Trials {
		for _, h := range tr.Hosts() {
			c := tr.Find(h, sample.KindHost, "", sample.CPUPct)
			if c == nil {
				continue
			}
			cpu, mem := c.Stat, nan(tr.Find(h, sample.KindHost, "", sample.MemUsedBytes))
			t.Add(tr.Label(), tr.Title, h, roles[h], Num(cpu.Mean, 2), Num(cpu.P95, 2),
				Num(mem.Mean/mib, 1), fmt.Sprint(cpu.N))
		}
	}
	if len(t.Rows) == 0 {
		b.WriteString("No host samples were measured.\n")
	} else {
		b.WriteString(t.Markdown())
	}
	if c := newOrchCompare(s); c != nil {
		b.WriteString(c.resultsMarkdown(s))
	}
	if ref := ReferenceSection(s); ref != nil {
		b.WriteString("\n### The paper's figures, to compare with\n\n" + ref[1].Table.Markdown())
	}
	for _, sec := range secs {
		var blocks []Block
		for _, bl := range sec(s) {
			switch {
			case bl.Figure != nil:
			case bl.Heading != "":
				blocks = append(blocks, Block{Subheading: bl.Heading})
			default:
				blocks = append(blocks, bl)
			}
		}
		if len(blocks) > 0 {
			md := markdown("", blocks)
			b.WriteString(strings.TrimPrefix(md, "# \n"))
		}
	}
	b.WriteString("\n" + endMarker(s.Experiment))
	return b.String()
}

// runPath names the run directory relative to the results file when it
// can, so that the link works from where RESULTS.md is read.
func runPath(resultsPath, runDir string) string {
	absR, err1 := filepath.Abs(filepath.Dir(resultsPath))
	absD, err2 := filepath.Abs(runDir)
	if err1 != nil || err2 != nil {
		return runDir
	}
	if rel, err := filepath.Rel(absR, absD); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return absD
}
