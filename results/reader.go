package results

import (
	"bufio"
	"bytes"
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
	// DroppedRows counts the sample rows dropped (torn or malformed), so
	// that a report can say how many.
	DroppedRows int
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
	warn := func(w string) {
		r.DroppedRows++
		r.Warnings = append(r.Warnings, w)
	}
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
	var ferr error
	err = ScanSamples(f, func(line int, row Row, err error) {
		if ferr != nil {
			return
		}
		if err != nil {
			warn(fmt.Sprintf("%s:%d: skipped: %v", name, line, err))
			return
		}
		if err := fn(row); err != nil {
			ferr = fmt.Errorf("%s:%d: %w", name, line, err)
		}
	})
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return ferr
}

// ErrTornRow is the error ScanSamples reports for a last line without its
// newline: a writer killed mid-row (kill -9, power loss) leaves one, and
// its last field may be cut mid-number (12.5 → 1), so it is never data.
var ErrTornRow = errors.New("torn last row (no newline): the writer stopped mid-row")

// ScanSamples reads a samples CSV file and calls fn for every row after
// the header, in order, with its line number: a row or the reason it is
// dropped (a malformed row, or ErrTornRow for the last line without a
// newline). It holds one line at a time, so a streaming reader can use it
// on files of any size; only a read error ends it early.
func ScanSamples(rd io.Reader, fn func(line int, row Row, err error)) error {
	br := bufio.NewReaderSize(rd, 64*1024)
	var fields []string
	for line := 1; ; line++ {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather it whole.
			long := append([]byte(nil), b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				b, err = br.ReadSlice('\n')
				long = append(long, b...)
			}
			b = long
		}
		if err == io.EOF {
			if len(b) > 0 {
				fn(line, Row{}, ErrTornRow)
			}
			return nil
		}
		if err != nil {
			return err
		}
		b = b[:len(b)-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
		if len(b) == 0 {
			continue
		}
		fields, err = splitCSVLine(b, fields[:0])
		if err == nil && line == 1 && len(fields) > 0 && fields[0] == SamplesHeader[0] {
			continue
		}
		if err != nil {
			fn(line, Row{}, err)
			continue
		}
		row, err := parseRow(fields)
		fn(line, row, err)
	}
}

// splitCSVLine splits one CSV line (RFC 4180 quoting, no newline inside
// a field: the writer's fields never hold one) into dst.
func splitCSVLine(b []byte, dst []string) ([]string, error) {
	for i := 0; ; {
		if i < len(b) && b[i] == '"' {
			var f []byte
			j := i + 1
			for {
				k := bytes.IndexByte(b[j:], '"')
				if k < 0 {
					return dst, fmt.Errorf("unterminated quoted field at column %d", i+1)
				}
				f = append(f, b[j:j+k]...)
				j += k + 1
				if j < len(b) && b[j] == '"' {
					f = append(f, '"')
					j++
					continue
				}
				break
			}
			dst = append(dst, string(f))
			if j == len(b) {
				return dst, nil
			}
			if b[j] != ',' {
				return dst, fmt.Errorf("text after a quoted field at column %d", j+1)
			}
			i = j + 1
			continue
		}
		k := bytes.IndexByte(b[i:], ',')
		if k < 0 {
			return append(dst, string(b[i:])), nil
		}
		dst = append(dst, string(b[i:i+k]))
		i += k + 1
	}
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
