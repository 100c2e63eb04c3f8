package spool

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// Follower copies a spool's records with seq > After to Out, oldest first,
// then follows new ones (through rotations) until its context ends.
type Follower struct {
	Path  string
	After uint64
	Out   io.Writer
	// Poll is how often a follower at the end of the file looks for more;
	// 100 ms when zero.
	Poll time.Duration
	// Gap, when set, is told when the spool no longer holds the records a
	// reader asked for (they were rotated away): from and to inclusive.
	Gap func(from, to uint64)

	last    uint64
	partial []byte
}

// Last is the sequence number of the last record written to Out.
func (f *Follower) Last() uint64 { return f.last }

// Run follows until ctx ends (returning nil) or a read or write fails.
func (f *Follower) Run(ctx context.Context) error {
	if f.Poll == 0 {
		f.Poll = 100 * time.Millisecond
	}
	f.last = f.After
	old, err := os.Open(f.Path + ".1")
	if err == nil {
		err = f.drain(old)
		old.Close()
		f.partial = f.partial[:0] // a torn last line of FILE.1 stays torn
		if err != nil {
			return err
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("spool: %w", err)
	}
	var cur *os.File
	for cur == nil {
		cur, err = os.Open(f.Path)
		if errors.Is(err, os.ErrNotExist) {
			if !sleep(ctx, f.Poll) {
				return nil
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
	}
	defer func() { cur.Close() }()
	for {
		if err := f.drain(cur); err != nil {
			return err
		}
		st, err := os.Stat(f.Path)
		if err == nil && !sameFile(cur, st) {
			// FILE was rotated: finish the old one, pick up a FILE.1 written
			// and rotated while we slept (two rotations), then the new FILE.
			if err := f.drain(cur); err != nil {
				return err
			}
			curIno := inode(cur)
			cur.Close()
			f.partial = f.partial[:0]
			if o, err := os.Open(f.Path + ".1"); err == nil {
				if inode(o) != curIno {
					err = f.drain(o)
				}
				o.Close()
				f.partial = f.partial[:0]
				if err != nil {
					return err
				}
			}
			if cur, err = os.Open(f.Path); err != nil {
				return fmt.Errorf("spool: %w", err)
			}
			continue
		}
		if !sleep(ctx, f.Poll) {
			return nil
		}
	}
}

// drain reads r to its current end and writes every whole new line.
func (f *Follower) drain(r io.Reader) error {
	var buf [32 << 10]byte
	for {
		n, err := r.Read(buf[:])
		if n > 0 {
			f.partial = append(f.partial, buf[:n]...)
			if err := f.lines(); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) || n == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("spool %s: %w", f.Path, err)
		}
	}
}

func (f *Follower) lines() error {
	b := f.partial
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		line := b[:i+1]
		b = b[i+1:]
		seq, ok := Seq(line)
		if !ok || seq <= f.last {
			continue
		}
		if seq != f.last+1 && f.Gap != nil {
			f.Gap(f.last+1, seq-1)
		}
		if _, err := f.Out.Write(line); err != nil {
			return fmt.Errorf("spool follow: write: %w", err)
		}
		f.last = seq
	}
	f.partial = append(f.partial[:0], b...)
	return nil
}

func inode(f *os.File) uint64 {
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	if s, ok := st.Sys().(*syscall.Stat_t); ok {
		return s.Ino
	}
	return 0
}

func sameFile(f *os.File, st os.FileInfo) bool {
	fst, err := f.Stat()
	return err == nil && os.SameFile(fst, st)
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
