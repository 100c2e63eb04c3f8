package results

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Run is a run directory as read back.
type Run struct {
	Dir      string
	Manifest Manifest
	Events   []Event
	// Samples maps host name (the file's base name) to its rows in file order.
	Samples map[string][]Row
	// Warnings says what was skipped: a truncated last line after a crash,
	// a malformed row. Reading never fails for those.
	Warnings []string
}

// Read loads a run directory. A run whose manifest still says running but
// whose events hold no run-end is reported as aborted: its runner died.
func Read(dir string) (*Run, error) {
	return read(dir, true)
}

func read(dir string, samples bool) (*Run, error) {
	r := &Run{Dir: dir, Samples: map[string][]Row{}}
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("read run %s: %w", dir, err)
	}
	if err := json.Unmarshal(b, &r.Manifest); err != nil {
		return nil, fmt.Errorf("read run %s: %s: %w", dir, ManifestFile, err)
	}
	if err := r.readEvents(filepath.Join(dir, EventsFile)); err != nil {
		return nil, err
	}
	if r.Manifest.Status == StatusRunning && !r.hasEvent(EventRunEnd) {
		r.Manifest.Status = StatusAborted
		r.Warnings = append(r.Warnings, "the runner stopped without finishing the run: reported as aborted")
	}
	if !samples {
		return r, nil
	}
	hosts, files, err := r.SampleFiles()
	if err != nil {
		return nil, err
	}
	for i, f := range files {
		host := hosts[i]
		rows, err := r.readSamples(f)
		if err != nil {
			return nil, err
		}
		r.Samples[host] = rows
	}
	return r, nil
}

func (r *Run) hasEvent(typ string) bool {
	for _, e := range r.Events {
		if e.Type == typ {
			return true
		}
	}
	return false
}

func (r *Run) readEvents(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		r.Warnings = append(r.Warnings, "no "+EventsFile)
		return nil
	}
	if err != nil {
		return fmt.Errorf("read run %s: %w", r.Dir, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for n := 1; sc.Scan(); n++ {
		var e Event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			r.Warnings = append(r.Warnings, fmt.Sprintf("%s:%d: skipped: %v", EventsFile, n, err))
			continue
		}
		r.Events = append(r.Events, e)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

func (r *Run) readSamples(path string) ([]Row, error) {
	var rows []Row
	warn := func(w string) { r.Warnings = append(r.Warnings, w) }
	err := scanFile(path, warn, func(row Row) error {
		rows = append(rows, row)
		return nil
	})
	return rows, err
}

// scanFile calls fn with every row of one samples file in file order. It
// is the one loop over samples files: Read collects its rows, ScanSamples
// streams them. What it skips it hands to warn as "FILE:LINE: why".
func scanFile(path string, warn func(string), fn func(Row) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("read samples: %w", err)
	}
	defer f.Close()
	name := filepath.Join(SamplesDir, filepath.Base(path))
	cr := csv.NewReader(bufio.NewReaderSize(f, 256*1024))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A runner killed mid-write leaves at most one torn row at the end.
			warn(fmt.Sprintf("%s:%d: skipped: %v", name, line, err))
			continue
		}
		if line == 1 && len(rec) > 0 && rec[0] == SamplesHeader[0] {
			continue
		}
		row, err := parseRow(rec)
		if err != nil {
			warn(fmt.Sprintf("%s:%d: skipped: %v", name, line, err))
			continue
		}
		if err := fn(row); err != nil {
			return fmt.Errorf("%s:%d: %w", name, line, err)
		}
	}
	return nil
}

func parseRow(rec []string) (Row, error) {
	if len(rec) != len(SamplesHeader) {
		return Row{}, fmt.Errorf("%d fields, want %d", len(rec), len(SamplesHeader))
	}
	seq, err := strconv.ParseUint(rec[2], 10, 64)
	if err != nil {
		return Row{}, fmt.Errorf("seq: %w", err)
	}
	t, err := strconv.ParseInt(rec[3], 10, 64)
	if err != nil {
		return Row{}, fmt.Errorf("time_ms: %w", err)
	}
	v, err := strconv.ParseFloat(rec[7], 64)
	if err != nil {
		return Row{}, fmt.Errorf("value: %w", err)
	}
	return Row{Trial: rec[0], Phase: rec[1], Seq: seq, TimeMS: t, Kind: rec[4], Label: rec[5], Metric: rec[6], Value: v}, nil
}
