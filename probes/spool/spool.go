// Package spool keeps a probe's records in a bounded local file, so that a
// reader that lost its connection (an SSH session dropped mid-run) can come
// back and ask for everything after the last sequence number it stored, and
// get a gap-free continuation.
//
// The spool is two files: FILE, appended to, and FILE.1, the previous FILE,
// replaced when FILE reaches its size limit. So at most about twice the limit
// is on disk, and a reader that comes back within one limit's worth of
// records loses nothing. Each record is one line written with a single
// write(2) on an O_APPEND descriptor, so a reader sees whole lines (or, after
// a crash, a torn last line without its newline, which it skips).
package spool

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// DefaultMax is the size at which FILE is rotated to FILE.1.
const DefaultMax = 8 << 20

// Writer appends records to a spool.
type Writer struct {
	path string
	max  int64
	f    *os.File
	size int64
	buf  []byte

	// SyncEvery bounds how much a power loss can take: Append fsyncs the
	// file when this long has passed since the last sync (DefaultSyncEvery
	// when zero; negative: never, for tests of other things).
	SyncEvery time.Duration
	lastSync  time.Time
	now       func() time.Time
}

// DefaultSyncEvery is how often a spool is fsynced by default: a Pi that
// loses power loses at most this much of its spool, at the cost of one
// fsync every few seconds on an SD card.
const DefaultSyncEvery = 5 * time.Second

// Create opens (or continues) the spool at path, rotating at max bytes.
func Create(path string, max int64) (*Writer, error) {
	if max <= 0 {
		max = DefaultMax
	}
	w := &Writer{path: path, max: max, now: time.Now}
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *Writer) open() error {
	f, err := os.OpenFile(w.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("spool: %w", err)
	}
	w.f, w.size = f, st.Size()
	w.lastSync = w.now()
	// The new file's directory entry must survive a power loss too.
	return syncDir(w.path)
}

func syncDir(file string) error {
	d, err := os.Open(filepath.Dir(file))
	if err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("spool: sync %s: %w", filepath.Dir(file), err)
	}
	return nil
}

// Append writes one record line (without its newline) in one write.
func (w *Writer) Append(line []byte) error {
	n := int64(len(line) + 1)
	if w.size > 0 && w.size+n > w.max {
		if err := w.rotate(); err != nil {
			return err
		}
	}
	w.buf = append(append(w.buf[:0], line...), '\n')
	if _, err := w.f.Write(w.buf); err != nil {
		return fmt.Errorf("spool %s: %w", w.path, err)
	}
	w.size += n
	every := w.SyncEvery
	if every == 0 {
		every = DefaultSyncEvery
	}
	if every > 0 && w.now().Sub(w.lastSync) >= every {
		if err := w.f.Sync(); err != nil {
			return fmt.Errorf("spool %s: sync: %w", w.path, err)
		}
		w.lastSync = w.now()
	}
	return nil
}

func (w *Writer) rotate() error {
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("spool %s: %w", w.path, err)
	}
	if err := os.Rename(w.path, w.path+".1"); err != nil {
		return fmt.Errorf("spool rotate %s: %w", w.path, err)
	}
	return w.open()
}

// Close syncs and closes the spool file.
func (w *Writer) Close() error {
	serr := w.f.Sync()
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("spool %s: %w", w.path, err)
	}
	if serr != nil {
		return fmt.Errorf("spool %s: sync: %w", w.path, serr)
	}
	return nil
}

// LastSeq is the highest sequence number in the spool at path (FILE, else
// FILE.1), or 0 for none, so that a probe restarted on the same spool goes
// on numbering where it stopped.
func LastSeq(path string) (uint64, error) {
	for _, p := range []string{path, path + ".1"} {
		f, err := os.Open(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("spool: %w", err)
		}
		var last uint64
		err = scan(f, func(seq uint64, _ []byte) error {
			last = max(last, seq)
			return nil
		})
		f.Close()
		if err != nil {
			return 0, fmt.Errorf("spool %s: %w", p, err)
		}
		if last > 0 {
			return last, nil
		}
	}
	return 0, nil
}

// scan calls fn for each whole line of r with its sequence number; a line
// without a parsable seq (a torn write) is skipped.
func scan(r io.Reader, fn func(seq uint64, line []byte) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An overlong line: skip it whole.
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if seq, ok := Seq(line); ok {
			if err := fn(seq, line); err != nil {
				return err
			}
		}
	}
}

// Seq finds a record line's sequence number without decoding it whole:
// sample.Encode writes "seq" as the second key of the object.
func Seq(line []byte) (uint64, bool) {
	i := bytes.Index(line, []byte(`"seq":`))
	if i < 0 {
		return 0, false
	}
	rest := line[i+len(`"seq":`):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	v, err := strconv.ParseUint(string(rest[:j]), 10, 64)
	if err != nil || v == 0 {
		return 0, false
	}
	return v, true
}
