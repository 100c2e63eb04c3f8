package results

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// ReadMeta reads a run directory's manifest and events but not its
// samples: what a reader needs before it streams them with ScanSamples.
// The returned Run's Samples is empty; its Status is settled as Read
// settles it (a runner that died is reported as aborted).
func ReadMeta(dir string) (*Run, error) {
	return read(dir, false)
}

// SampleFiles lists the run's samples files, sorted, with the host each
// belongs to (the file's base name).
func (r *Run) SampleFiles() (hosts, paths []string, err error) {
	files, err := filepath.Glob(filepath.Join(r.Dir, SamplesDir, "*.csv"))
	if err != nil {
		return nil, nil, fmt.Errorf("read run %s: %w", r.Dir, err)
	}
	sort.Strings(files)
	for _, f := range files {
		hosts = append(hosts, strings.TrimSuffix(filepath.Base(f), ".csv"))
	}
	return hosts, files, nil
}

// ScanSamples streams every samples row of the run to fn, host by host
// (in file name order) and within a host in file order, holding one row
// at a time: a report of a run of millions of rows reads it in bounded
// memory. Rows it skips are added to r.Warnings, as Read does. An error
// from fn stops the scan and is returned, wrapped with file and line.
func (r *Run) ScanSamples(fn func(host string, row Row) error) error {
	hosts, files, err := r.SampleFiles()
	if err != nil {
		return err
	}
	warn := func(w string) { r.Warnings = append(r.Warnings, w) }
	for i, f := range files {
		host := hosts[i]
		if err := scanFile(f, warn, func(row Row) error { return fn(host, row) }); err != nil {
			return fmt.Errorf("read run %s: %w", r.Dir, err)
		}
	}
	return nil
}

// ScanFile streams the rows of one samples file (a path from SampleFiles)
// to fn and returns what it skipped, as "FILE:LINE: why". Readers that scan
// several files at once use it; each file's rows still arrive in order.
func ScanFile(path string, fn func(Row) error) (warnings []string, err error) {
	err = scanFile(path, func(w string) { warnings = append(warnings, w) }, fn)
	return warnings, err
}
