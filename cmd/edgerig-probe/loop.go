package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edgerig/edgerig/internal/cli"

	"github.com/edgerig/edgerig/probes"
	"github.com/edgerig/edgerig/probes/spool"
	"github.com/edgerig/edgerig/sample"
)

// samplerFlags are the flags shared by the streaming and daemon modes.
type samplerFlags struct {
	interval   time.Duration
	containers bool
	daemons    string
	spool      string
	spoolMax   byteSize
}

func (f *samplerFlags) register(fs *flag.FlagSet) {
	f.spoolMax = spool.DefaultMax
	fs.DurationVar(&f.interval, "interval", time.Second, "time between samples")
	fs.BoolVar(&f.containers, "containers", true, "sample per-container CPU and memory from cgroups")
	fs.StringVar(&f.daemons, "daemons", strings.Join(probes.DefaultDaemons, ","), "comma-separated process names reported as daemon series")
	fs.StringVar(&f.spool, "spool", "", "append every record to this file too (rotated to FILE.1 at --spool-max)")
	fs.Var(&f.spoolMax, "spool-max", "spool size at which it rotates (e.g. 8MiB, 512KiB, 1000000)")
}

func (f *samplerFlags) check() error {
	if f.interval < 10*time.Millisecond {
		return cli.UsageError{Msg: fmt.Sprintf("--interval %s is below 10ms", f.interval)}
	}
	return nil
}

// byteSize is a flag holding a size with an optional KiB/MiB/GiB (or
// KB/MB/GB, decimal) suffix.
type byteSize int64

func (b *byteSize) String() string { return strconv.FormatInt(int64(*b), 10) }

func (b *byteSize) Set(s string) error {
	units := []struct {
		suf string
		mul int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suf) {
			s, mul = strings.TrimSuffix(s, u.suf), u.mul
			break
		}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v <= 0 {
		return fmt.Errorf("bad size %q", s)
	}
	*b = byteSize(v * mul)
	return nil
}

// latest holds a copy of the last record for the Prometheus endpoint; it
// is kept only when --listen is on.
type latest struct {
	mu  sync.Mutex
	rec sample.Record
}

func (l *latest) set(rec sample.Record) {
	cp := sample.Record{V: rec.V, Seq: rec.Seq, TimeMS: rec.TimeMS, Series: make([]sample.Series, len(rec.Series))}
	for i, s := range rec.Series {
		cp.Series[i] = sample.Series{Kind: s.Kind, Label: s.Label, Values: maps.Clone(s.Values)}
	}
	l.mu.Lock()
	l.rec = cp
	l.mu.Unlock()
}

func (l *latest) get() (sample.Record, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec, l.rec.Seq > 0
}

// sampleLoop samples every interval until ctx ends, spooling each record and
// handing it and its line to emit (which may be nil). tick, when set, runs after
// each record; returning false stops the loop (the daemon's orphan timer).
// ready, when set, runs once everything is open, before the first tick: the
// daemon writes its pidfile there, so that a sampler that cannot open its
// spool or cgroups fails `edgerig-probe daemon` instead of dying unseen.
func sampleLoop(ctx context.Context, f samplerFlags, ready func() error, emit func(sample.Record, []byte) error, tick func(time.Time) bool) error {
	s, err := probes.New(probes.Options{Containers: f.containers, Daemons: probes.ParseDaemons(f.daemons)})
	if err != nil {
		return err
	}
	defer s.Close()
	var sp *spool.Writer
	if f.spool != "" {
		last, err := spool.LastSeq(f.spool)
		if err != nil {
			return err
		}
		s.SetSeq(last)
		if sp, err = spool.Create(f.spool, int64(f.spoolMax)); err != nil {
			return err
		}
		defer sp.Close()
	}
	if _, _, err := s.Sample(time.Now()); err != nil { // primes the CPU counters
		return err
	}
	if ready != nil {
		if err := ready(); err != nil {
			return err
		}
	}
	var line []byte
	t := time.NewTicker(f.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-t.C:
			rec, ok, err := s.Sample(now)
			if err != nil {
				return err
			}
			if ok {
				line, err = probes.AppendRecord(line[:0], rec)
				if err != nil {
					return err
				}
				if sp != nil {
					if err := sp.Append(line); err != nil {
						return err
					}
				}
				if emit != nil {
					if err := emit(rec, line); err != nil {
						return err
					}
				}
			}
			if tick != nil && !tick(now) {
				return nil
			}
		}
	}
}

// untilEOF cancels when r reaches EOF (or fails): the reader on the other
// end of an SSH session went away.
func untilEOF(r io.Reader, cancel context.CancelFunc) {
	go func() {
		defer cancel()
		_, _ = io.Copy(io.Discard, r)
	}()
}
