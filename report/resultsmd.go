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

// UpdateResults replaces, or appends, the section of the Markdown file at
// path that belongs to the run's experiment with the run's means per trial
// and host next to the reference values. Every byte outside the section is
// kept; the file is created with a short header if it does not exist.
func UpdateResults(path string, run *results.Run, s *Summary) error {
	exp := s.Experiment
	if exp == "" || strings.ContainsAny(exp, "\n>") {
		return fmt.Errorf("update %s: run %s has no usable experiment name %q", path, run.Dir, exp)
	}
	old, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		old = []byte(resultsHeader)
	} else if err != nil {
		return fmt.Errorf("update %s: %w", path, err)
	}
	section := resultsSection(path, s)
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
func resultsSection(path string, s *Summary) string {
	var b strings.Builder
	b.WriteString(beginMarker(s.Experiment) + "\n")
	fmt.Fprintf(&b, "## %s\n\n", s.Experiment)
	if s.Description != "" {
		b.WriteString(s.Description + "\n\n")
	}
	status := s.Status
	if s.Aborted() {
		status = "ABORTED (the runner died; partial data)"
	}
	fmt.Fprintf(&b, "Latest run: `%s` — %s, started %s on testbed %s, edgerig %s. Full report: `%s`.\n\n",
		runPath(path, s.RunDir), status, stamp(s.Start), s.Testbed, s.Tool.Version,
		filepath.Join(runPath(path, s.RunDir), results.ReportDir, MarkdownFile))
	t := newTable("trial", "parameters", "host", "roles", ">CPU mean %", ">CPU p95 %", ">memory mean MiB", ">n")
	roles := map[string]string{}
	for _, h := range s.Hosts {
		roles[h.Name] = strings.Join(h.Roles, ",")
	}
	for _, tr := range s.Trials {
		for _, h := range tr.Hosts() {
			cpu, ok := tr.Stat(h, string(sample.KindHost), "", sample.CPUPct)
			if !ok {
				continue
			}
			mem, _ := tr.Stat(h, string(sample.KindHost), "", sample.MemUsedBytes)
			t.add(cell(tr.ID), cell(tr.Title), cell(h), cell(roles[h]), num(cpu.Mean, 2), num(cpu.P95, 2),
				num(mem.Mean/mib, 1), fmt.Sprint(cpu.N))
		}
	}
	if len(t.rows) == 0 {
		b.WriteString("No host samples were measured.\n")
	} else {
		b.WriteString(t.String())
	}
	b.WriteString(referenceSection(s))
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
