package wordcount

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/edgerig/edgerig/delay"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/workload/submit"
	"github.com/edgerig/edgerig/workload/webhdfs"
)

// Measure submits files from every collector for length (at most the
// spec's files per collector), waits for the output of those in flight,
// and appends every file's delay to delays.csv and every batch to
// batches.csv in the run directory, also when the job dies on the way. A
// failing HDFS is recorded per file and does not stop the run; a job that
// ends does.
func (w *Workload) Measure(ctx context.Context, length time.Duration) error {
	wl := w.cfg.Workload
	count := min(wl.Files, int(length/w.period()))
	w.printf("submitting %d files of %d B per collector at %s from %d collector(s)", count, int64(wl.FileSize), wl.Rate, len(w.collectors))
	subs := make([]delay.Submitted, len(w.collectors))
	fs := webhdfs.New(w.hdfs.HTTPAddr(), "edgerig", 10*time.Second)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	var mu sync.Mutex
	errorsSeen := 0
	for i, h := range w.collectors {
		// The submitters run in the runner's process, so their times are
		// on the runner's clock whatever host the collector role names.
		subs[i] = delay.Submitted{Collector: h.Name}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_ = submit.Run(sctx, submit.Config{Period: w.period(), Count: count, Size: int(wl.FileSize),
				Dir: w.watched, Prefix: tokenPrefix(w.cfg.Trial, i, false)}, fs, func(r submit.Record) {
				mu.Lock()
				defer mu.Unlock()
				subs[i].Records = append(subs[i].Records, r)
				if r.Err != "" {
					errorsSeen++
					if errorsSeen <= 20 {
						w.event(results.EventError, "submit "+r.Name+": "+r.Err, map[string]any{"collector": h.Name, "seq": r.Seq})
					}
				}
			})
		}(i)
	}
	subDone := make(chan struct{})
	go func() { wg.Wait(); close(subDone) }()

	err := w.watch(ctx, subDone)
	stop()
	<-subDone
	if err == nil {
		err = w.drain(ctx, subs)
	}
	files := delay.Compute(subs, w.parser.Batches(), w.driver.Clock)
	if werr := w.write(files); werr != nil {
		err = errors.Join(err, werr)
	}
	s := delay.Summarize(files)
	w.event(results.EventInfo, "wordcount delays: "+s.String(), map[string]any{
		"files": s.Files, "lost": s.Lost, "p50_ms": ms(s.P50), "p90_ms": ms(s.P90), "p99_ms": ms(s.P99),
		"max_ms": ms(s.Max), "bound_ms": ms(s.Bound), "late": s.Late, "submit_errors": errorsSeen,
		"poll_interval_s": wl.PollInterval.Seconds(), "file_size_b": int64(wl.FileSize), "rate_per_s": 1 / w.period().Seconds()})
	w.printf("%s", s)
	return err
}

// watch returns when the submitters are done, or with an error when the
// job or a Spark daemon ends. HDFS daemons ending is recorded once and the
// schedule goes on (its files fail with their own errors); the job ending
// after HDFS did is its consequence, recorded the same way, so the run
// goes on to report the failures rather than stopping at them.
func (w *Workload) watch(ctx context.Context, done <-chan struct{}) error {
	jobNoted := false
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("wordcount: measure: %w", ctx.Err())
		case <-tick.C:
		}
		if err := w.hdfs.Exited(); err != nil && !w.hdfsFailed {
			w.hdfsFailed = true
			w.event(results.EventError, err.Error(), nil)
			w.printf("%v (the run goes on; files fail with their errors)", err)
		}
		if err := w.job.Exited(); err != nil && !jobNoted {
			if !w.hdfsFailed {
				return fmt.Errorf("wordcount: the Spark streaming job ended during measure: %w", err)
			}
			jobNoted = true
			msg := "the Spark streaming job ended after HDFS failed: " + err.Error()
			w.event(results.EventError, msg, nil)
			w.printf("%s (the run goes on; files fail with their errors)", msg)
		}
		if err := w.spark.Exited(); err != nil {
			return err
		}
	}
}

// drain waits until every file that reached the watched directory has been
// printed. A job behind the interval has a queue to work off, so the wait
// is long as long as batches keep being printed: it ends when none was for
// the idle limit (cfg.Drain), or after ten times that in all, and what is
// still pending then is lost.
func (w *Workload) drain(ctx context.Context, subs []delay.Submitted) error {
	idle := w.cfg.Drain
	if idle == 0 {
		idle = max(30*time.Second, 10*w.cfg.Workload.PollInterval)
	}
	start := time.Now()
	lastBatches, lastProgress := -1, time.Now()
	for {
		bs := w.parser.Batches()
		files := delay.Compute(subs, bs, w.driver.Clock)
		pending := 0
		for _, f := range files {
			if f.Lost != "" && f.InDir {
				pending++
			}
		}
		if pending == 0 {
			return nil
		}
		done := 0
		for _, b := range bs {
			if !b.PrintEnd.IsZero() {
				done++
			}
		}
		if done != lastBatches {
			lastBatches, lastProgress = done, time.Now()
		}
		switch {
		case time.Since(lastProgress) > idle:
			w.printf("%d file(s) still not printed and no batch printed for %s: counted as lost", pending, idle)
			return nil
		case time.Since(start) > 10*idle:
			w.printf("%d file(s) still not printed %s after the last was due: counted as lost", pending, 10*idle)
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("wordcount: waiting for the last output: %w", ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
		if err := w.job.Exited(); err != nil {
			if w.hdfsFailed {
				w.printf("%d file(s) never printed: the job ended after HDFS failed", pending)
				return nil
			}
			return fmt.Errorf("wordcount: the Spark streaming job ended while its last files were pending: %w", err)
		}
	}
}

// write appends the trial's files and batches to the run's CSV files.
func (w *Workload) write(files []delay.File) error {
	var errs []error
	appendCSV := func(name string, write func(f *os.File, header bool) error) {
		p := filepath.Join(w.cfg.OutDir, name)
		_, statErr := os.Stat(p)
		f, err := os.OpenFile(p, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			errs = append(errs, fmt.Errorf("wordcount: %w", err))
			return
		}
		errs = append(errs, write(f, statErr != nil), f.Close())
	}
	appendCSV("delays.csv", func(f *os.File, header bool) error { return delay.WriteFiles(f, w.cfg.Trial, files, header) })
	appendCSV("batches.csv", func(f *os.File, header bool) error {
		return delay.WriteBatches(f, w.cfg.Trial, w.parser.Batches(), w.driver.Clock, header)
	})
	return errors.Join(errs...)
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
