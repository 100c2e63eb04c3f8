package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
	"github.com/edgerig/edgerig/transport"
)

// stream reads h's probe spool through `edgerig-probe tail`, resuming
// after the last sequence number it stored whenever the command ends
// early (a dropped connection, a restarted host), until the run stops.
func (r *run) stream(h *hostConn) {
	defer close(h.done)
	backoff := 500 * time.Millisecond
	names := newNamer(r, h)
	defer names.close()
	for {
		stdin, stdinW := io.Pipe()
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			// Stopping closes the tail's stdin: it exits after writing what
			// it has. The cancel is the fallback if the host is gone.
			select {
			case <-h.stopping:
				stdinW.Close()
				select {
				case <-ctx.Done():
				case <-time.After(10 * time.Second):
					cancel()
				}
			case <-ctx.Done():
			}
		}()
		lw := &lineWriter{fn: func(line []byte) { r.ingest(h, line, names) }}
		args := []string{h.probe, "tail", "--spool", h.spool, "--resume-from", strconv.FormatUint(h.lastSeq.Load(), 10)}
		before := h.received.Load()
		err := h.t.Run(ctx, transport.Cmd{Args: args, Stdin: stdin, Stdout: lw})
		lw.flush()
		cancel()
		stdinW.Close()
		select {
		case <-h.stopping:
			return
		default:
		}
		r.markLost(h, fmt.Sprintf("probe stream ended: %v", err))
		if h.received.Load() > before {
			// This stream delivered: a new loss, not a host still down.
			backoff = 500 * time.Millisecond
		}
		select {
		case <-h.stopping:
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
		// A host that comes back may have rebooted or been re-synced:
		// its clock is measured again before its samples are read.
		cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
		go func() {
			select {
			case <-h.stopping:
				ccancel()
			case <-cctx.Done():
			}
		}()
		r.measureClock(cctx, h, "reconnect", "")
		ccancel()
	}
}

// ingest stores one wire line of h's probe.
func (r *run) ingest(h *hostConn, line []byte, names *namer) {
	rec, err := sample.Decode(line)
	if err != nil {
		_ = r.w.Event(results.Event{Type: results.EventError, Host: h.name, Message: err.Error()})
		return
	}
	last := h.lastSeq.Load()
	if rec.Seq <= last {
		return // already stored: a resumed tail overlaps
	}
	if last > 0 && rec.Seq > last+1 {
		_ = r.w.Event(results.Event{Type: results.EventGap, Host: h.name,
			Message: fmt.Sprintf("samples %d..%d are missing", last+1, rec.Seq-1)})
	}
	at, offset := h.clock.hostToRunner(time.UnixMilli(rec.TimeMS))
	trial, phase := r.tl.at(at)
	if err := r.w.Record(h.name, trial, phase, rec, offset); err != nil {
		_ = r.w.Event(results.Event{Type: results.EventError, Host: h.name, Message: err.Error()})
		return
	}
	r.adapt.sampled(trial, phase, h.name, rec)
	h.lastSeq.Store(rec.Seq)
	h.received.Add(1)
	h.lastRecv.Store(time.Now().UnixNano())
	if h.lost.CompareAndSwap(true, false) {
		_ = r.w.Event(results.Event{Type: results.EventNodeBack, Host: h.name, Trial: trial, Phase: phase,
			Message: fmt.Sprintf("samples again from seq %d", rec.Seq)})
		r.printf("%s: samples again", h.name)
	}
	for _, s := range rec.Series {
		if s.Kind == sample.KindContainer {
			names.see(s.Label)
		}
	}
}

// markLost records that h stopped delivering samples, once per loss.
func (r *run) markLost(h *hostConn, why string) {
	if h.lost.CompareAndSwap(false, true) {
		trial, phase := r.tl.at(time.Now())
		_ = r.w.Event(results.Event{Type: results.EventNodeLost, Host: h.name, Trial: trial, Phase: phase, Message: why})
		r.printf("%s: node lost: %s", h.name, why)
	}
}

// stopProbes ends sampling on every host: it lets the last tick land,
// stops each probe daemon, and waits for the streams to drain. Every wait
// in it is bounded; after an interrupt (ctx done) it does not wait for a
// last tick.
func (r *run) stopProbes(ctx context.Context) error {
	var started []*hostConn
	for _, h := range r.probeHosts() {
		if h.daemon.Load() {
			started = append(started, h)
		}
	}
	if len(started) == 0 {
		return nil
	}
	// The last tick of the measure window is worth a short wait, never a
	// long one: an interval may be up to an hour.
	select {
	case <-ctx.Done():
	case <-time.After(min(r.cfg.Spec.Probe.Interval, lastTickWait) + 200*time.Millisecond):
	}
	err := forHosts(context.Background(), started, func(h *hostConn) error {
		// A host lost for good gets a short try: its node-lost event
		// already tells the story, and its probe ends by itself once no
		// reader is attached (--orphan-timeout).
		lost := h.lost.Load()
		timeout := 15 * time.Second
		if lost {
			timeout = 5 * time.Second
		}
		sctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err := h.t.Run(sctx, transport.Cmd{Args: []string{h.probe, "stop", "--pidfile", h.pidfile}})
		if err != nil {
			err = fmt.Errorf("%s: stop probe: %w", h.name, err)
			_ = r.w.Event(results.Event{Type: results.EventError, Host: h.name, Message: err.Error()})
			if lost {
				err = nil
			}
		}
		if !h.streaming.Load() {
			return err
		}
		// Give the tail a moment to pass on what the daemon wrote last.
		time.Sleep(300 * time.Millisecond)
		h.stopOnce.Do(func() { close(h.stopping) })
		select {
		case <-h.done:
		case <-time.After(streamDrainWait):
			err = errors.Join(err, fmt.Errorf("%s: the probe stream did not end within %s after stop", h.name, streamDrainWait))
		}
		return err
	})
	return err
}

// lastTickWait bounds the wait for a probe's last tick at the end of a run;
// streamDrainWait bounds the wait for a stream to end after its probe stopped
// (the stream itself cancels its command 10 s after stopping).
const (
	lastTickWait    = 2 * time.Second
	streamDrainWait = 30 * time.Second
)

// lineWriter calls fn with every complete line written to it.
type lineWriter struct {
	fn  func([]byte)
	buf []byte
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		if i > 0 {
			l.fn(l.buf[:i])
		}
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) == 0 {
		l.buf = nil
	}
	return len(p), nil
}

// flush drops a torn last line: a record is only ever stored whole, and a
// resumed tail sends it again.
func (l *lineWriter) flush() { l.buf = nil }
