package results

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/edgerig/edgerig/sample"
)

// Writer appends to a run directory. It is safe for concurrent use: the
// runner's per-host readers write samples while the phase loop writes events.
type Writer struct {
	dir string

	mu       sync.Mutex
	manifest Manifest
	events   *os.File
	samples  map[string]*samplesFile
}

type samplesFile struct {
	f *os.File
	w *csv.Writer
}

// Create makes a new run directory dir (which must not exist) and writes
// the initial manifest and spec.
func Create(dir string, m Manifest, specText []byte) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	if err := os.Mkdir(filepath.Join(dir, SamplesDir), 0o755); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, SpecFile), specText, 0o644); err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	ev, err := os.OpenFile(filepath.Join(dir, EventsFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create run directory: %w", err)
	}
	w := &Writer{dir: dir, manifest: m, events: ev, samples: map[string]*samplesFile{}}
	if w.manifest.Status == "" {
		w.manifest.Status = StatusRunning
	}
	if err := w.writeManifest(); err != nil {
		ev.Close()
		return nil, err
	}
	// The new directory and its entries must survive a power loss.
	for _, d := range []string{filepath.Dir(dir), dir, filepath.Join(dir, SamplesDir)} {
		if err := syncDir(d); err != nil {
			ev.Close()
			return nil, err
		}
	}
	return w, nil
}

// Dir is the run directory.
func (w *Writer) Dir() string { return w.dir }

// UpdateManifest applies f to the manifest and writes it atomically.
func (w *Writer) UpdateManifest(f func(*Manifest)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	f(&w.manifest)
	return w.writeManifest()
}

func (w *Writer) writeManifest() error {
	b, err := json.MarshalIndent(w.manifest, "", "  ")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	tmp := filepath.Join(w.dir, "."+ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, ManifestFile)); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// Sync makes what was written so far durable: the samples and events
// files, and the manifest. The runner calls it at every phase end; Close
// calls it too. Rows between syncs are written (a killed runner loses
// none) but a power loss may take them.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sync()
}

func (w *Writer) sync() error {
	var errs []error
	for host, sf := range w.samples {
		sf.w.Flush()
		if err := sf.f.Sync(); err != nil {
			errs = append(errs, fmt.Errorf("sync samples of %s: %w", host, err))
		}
	}
	if err := w.events.Sync(); err != nil {
		errs = append(errs, fmt.Errorf("sync events: %w", err))
	}
	if err := syncFile(filepath.Join(w.dir, ManifestFile)); err != nil {
		errs = append(errs, err)
	}
	if err := syncDir(w.dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

func syncDir(dir string) error {
	if err := syncFile(dir); err != nil {
		return fmt.Errorf("run directory: %w", err)
	}
	return nil
}

// Event appends e to events.jsonl, stamping it with the current time if
// it has none.
func (w *Writer) Event(e Event) error {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	b, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("write event %s: %w", e.Type, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.events.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("write event %s: %w", e.Type, err)
	}
	return nil
}

// Record appends every value of r to host's samples file, tagged with the
// trial and phase it arrived in, its time shifted by offset (host clock −
// runner clock) onto the runner's timeline. The rows are flushed before
// Record returns, so a killed runner loses at most the record in flight.
func (w *Writer) Record(host, trial, phase string, r sample.Record, offset time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	sf, err := w.samplesFor(host)
	if err != nil {
		return err
	}
	t := strconv.FormatInt(r.TimeMS-offset.Milliseconds(), 10)
	seq := strconv.FormatUint(r.Seq, 10)
	row := make([]string, len(SamplesHeader))
	for _, s := range r.Series {
		for _, metric := range sortedKeys(s.Values) {
			row[0], row[1], row[2], row[3] = trial, phase, seq, t
			row[4], row[5], row[6] = string(s.Kind), s.Label, metric
			row[7] = strconv.FormatFloat(s.Values[metric], 'g', -1, 64)
			if err := sf.w.Write(row); err != nil {
				return fmt.Errorf("write samples for %s: %w", host, err)
			}
		}
	}
	sf.w.Flush()
	if err := sf.w.Error(); err != nil {
		return fmt.Errorf("write samples for %s: %w", host, err)
	}
	return nil
}

func (w *Writer) samplesFor(host string) (*samplesFile, error) {
	if sf, ok := w.samples[host]; ok {
		return sf, nil
	}
	path := filepath.Join(w.dir, SamplesDir, SafeName(host)+".csv")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open samples for %s: %w", host, err)
	}
	sf := &samplesFile{f: f, w: csv.NewWriter(f)}
	if err := sf.w.Write(SamplesHeader); err != nil {
		f.Close()
		return nil, fmt.Errorf("open samples for %s: %w", host, err)
	}
	w.samples[host] = sf
	if err := syncDir(filepath.Join(w.dir, SamplesDir)); err != nil {
		return nil, err
	}
	return sf, nil
}

// Close finishes the run: it records status and end time in the manifest
// and closes every file. errMsg is kept in the manifest when not empty.
func (w *Writer) Close(status, errMsg string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.manifest.Status = status
	w.manifest.Error = errMsg
	w.manifest.End = time.Now()
	err := w.writeManifest()
	if serr := w.sync(); serr != nil && err == nil {
		err = serr
	}
	for _, sf := range w.samples {
		sf.w.Flush()
		if cerr := sf.f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close samples: %w", cerr)
		}
	}
	if cerr := w.events.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("close events: %w", cerr)
	}
	return err
}

// SafeName turns a host name into a file name: anything but letters,
// digits, dot, dash and underscore becomes '_'.
func SafeName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "_"
	}
	return string(b)
}

func sortedKeys(m map[string]float64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
