package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/results"
)

func lsCmd() cli.Command {
	return cli.Command{
		Name: "ls", Summary: "list run directories: experiment, status, start, duration, testbed, hardware",
		Help: `Lists the run directories under --out, newest first: experiment, status
(a run whose runner died is aborted), start, duration, testbed and hardware
(the hosts' "hardware" labels, else their board models). Reads only each
run's manifest and events, never its samples. A directory without a
manifest is passed over; one with an unreadable manifest is skipped with a
warning on stderr.`,
		Flags: func(fs *flag.FlagSet) cli.Action {
			out := fs.String("out", "runs", "`directory` holding the run directories (edgerig run --out)")
			return func(_ []string, stdio cli.IO) error { return listRuns(*out, stdio.Out, stdio.Err) }
		},
	}
}

// runListing is one row of edgerig ls.
type runListing struct {
	dir string
	m   results.Manifest
}

func listRuns(out string, stdout, stderr io.Writer) error {
	runs, err := readRuns(out, stderr)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tEXPERIMENT\tSTATUS\tSTART\tDURATION\tTESTBED\tHARDWARE")
	for _, r := range runs {
		dur := "-"
		if !r.m.End.IsZero() {
			dur = r.m.End.Sub(r.m.Start).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.dir, r.m.Experiment, r.m.Status,
			r.m.Start.Local().Format("2006-01-02 15:04:05"), dur, dash(r.m.Testbed), dash(hardware(r.m.Hosts)))
	}
	return tw.Flush()
}

// readRuns reads the manifests of the run directories under out, newest
// first.
func readRuns(out string, stderr io.Writer) ([]runListing, error) {
	entries, err := os.ReadDir(out)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w (runs are written under --out, default runs/)", err)
	}
	var runs []runListing
	for _, e := range entries {
		dir := filepath.Join(out, e.Name())
		if !e.IsDir() {
			continue
		}
		m, err := readManifest(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue // not a run directory
		}
		if err != nil {
			fmt.Fprintf(stderr, "edgerig ls: skipped %s: %v\n", dir, err)
			continue
		}
		runs = append(runs, runListing{dir: dir, m: m})
	}
	sort.SliceStable(runs, func(i, j int) bool { return runs[i].m.Start.After(runs[j].m.Start) })
	return runs, nil
}

// readManifest reads a run's manifest; one still running without a
// run-end event is reported aborted, as results.Read does.
func readManifest(dir string) (results.Manifest, error) {
	var m results.Manifest
	b, err := os.ReadFile(filepath.Join(dir, results.ManifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", results.ManifestFile, err)
	}
	if m.Status == results.StatusRunning {
		ev, _ := os.ReadFile(filepath.Join(dir, results.EventsFile))
		if !bytes.Contains(ev, []byte(`"`+results.EventRunEnd+`"`)) {
			m.Status = results.StatusAborted
		}
	}
	return m, nil
}

// hardware names the run's hardware: the hosts' "hardware" labels, else
// their models, each once.
func hardware(hosts []results.HostFacts) string {
	var hw []string
	for _, h := range hosts {
		l := h.Labels["hardware"]
		if l == "" {
			l = h.Model
		}
		if l != "" && !slices.Contains(hw, l) {
			hw = append(hw, l)
		}
	}
	return strings.Join(hw, ", ")
}
