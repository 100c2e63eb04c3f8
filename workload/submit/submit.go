// Package submit is the word-count collector: an open-loop schedule that
// writes one unique file every period into HDFS and records, per file, when
// it was due, when it was sent, when HDFS had it and when it was renamed
// into the directory the streaming job watches.
//
// Open loop means the schedule never waits for HDFS: file i is due at
// t0 + i·period whatever happened to file i−1, and its delay is measured
// from that due time, so a slow HDFS shows as delay rather than as fewer
// files (coordinated omission). A send that starts late is counted as late.
package submit

import (
	"context"
	"fmt"
	"path"
	"runtime"
	"sync"
	"time"
)

// FS is what a submitter needs of HDFS (webhdfs.Client has it).
type FS interface {
	Create(ctx context.Context, path string, data []byte) (located time.Time, err error)
	Rename(ctx context.Context, src, dst string) error
}

// Config is one submitter's schedule.
type Config struct {
	Period time.Duration // time between due times (1/rate)
	Count  int           // files to submit
	Size   int           // bytes per file
	Dir    string        // the watched HDFS directory
	// Prefix makes tokens unique across trials and collectors; letters and
	// digits only, since the job splits words on blanks.
	Prefix string
	// Timeout bounds each file's CREATE+RENAME.
	Timeout time.Duration
	// MaxInFlight bounds files in progress at once; a file due while the
	// bound is reached is sent late (and counted so).
	MaxInFlight int
}

// Record is one file's history, times on the submitter's clock.
type Record struct {
	Seq      int
	Name     string // the file's name in Dir
	Token    string
	Intended time.Time
	Sent     time.Time // the CREATE request started
	Located  time.Time // the NameNode named a DataNode (307)
	Created  time.Time // the DataNode acknowledged the bytes (201)
	Renamed  time.Time // RENAME answered true
	Err      string    // why the file never reached Dir, with the stage
}

// Late is how long after its due time the file was sent.
func (r Record) Late() time.Duration { return r.Sent.Sub(r.Intended) }

// Run submits cfg.Count files and calls done for each (from several
// goroutines, never at once) as it finishes or fails. It returns when every
// started file has finished; cancelling ctx stops the schedule, and files
// not yet due are not submitted.
func Run(ctx context.Context, cfg Config, fs FS, done func(Record)) error {
	if cfg.Period <= 0 || cfg.Count < 0 || cfg.Size <= 0 {
		return fmt.Errorf("submit: period %s, count %d and size %d must be positive", cfg.Period, cfg.Count, cfg.Size)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 1024
	}
	var mu sync.Mutex
	report := func(r Record) {
		mu.Lock()
		defer mu.Unlock()
		done(r)
	}
	slots := make(chan struct{}, cfg.MaxInFlight)
	var wg sync.WaitGroup
	defer wg.Wait()
	t0 := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := 0; i < cfg.Count; i++ {
		due := t0.Add(time.Duration(i) * cfg.Period)
		if d := time.Until(due) - lead; d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-timer.C:
			}
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		wg.Add(1)
		go func(i int, due time.Time) {
			defer wg.Done()
			defer func() { <-slots }()
			if !waitUntil(ctx, due) {
				return
			}
			report(one(ctx, cfg, fs, i, due))
		}(i, due)
	}
	return nil
}

// A file's goroutine is started lead before its due time and waits out the
// rest itself: it sleeps until spin before the due time and spins (yielding)
// through the last stretch. The runtime's timers may fire up to a
// millisecond late on an idle machine, and a goroutine takes time to start
// on a busy one; either would make every file late by that much. The spin
// costs at most spin of CPU per file (at 200 files/s, a fifth of a core).
const (
	lead = 5 * time.Millisecond
	spin = time.Millisecond
)

// waitUntil returns at due (true), or when ctx ends first (false).
func waitUntil(ctx context.Context, due time.Time) bool {
	if d := time.Until(due) - spin; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	for time.Now().Before(due) {
		if ctx.Err() != nil {
			return false
		}
		runtime.Gosched()
	}
	return true
}

// one writes file i under a dot-name (which the streaming job ignores) and
// renames it into the watched directory, so the job never sees it half
// written.
func one(ctx context.Context, cfg Config, fs FS, i int, due time.Time) Record {
	tok := Token(cfg.Prefix, i)
	r := Record{Seq: i, Token: tok, Name: tok + ".txt", Intended: due}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	tmp := path.Join(cfg.Dir, "."+r.Name+".part")
	data := Content(tok, cfg.Size)
	r.Sent = time.Now()
	loc, err := fs.Create(ctx, tmp, data)
	r.Located, r.Created = loc, time.Now()
	if err != nil {
		r.Err = "create: " + err.Error()
		return r
	}
	if err := fs.Rename(ctx, tmp, path.Join(cfg.Dir, r.Name)); err != nil {
		r.Err = "rename: " + err.Error()
		return r
	}
	r.Renamed = time.Now()
	return r
}

// Token is file i's tracer: a word that appears in no other file.
func Token(prefix string, i int) string { return fmt.Sprintf("%sf%06d", prefix, i) }
