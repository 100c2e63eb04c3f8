package runner

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/edgerig/edgerig/results"
)

// clockPoint is one measurement of a host's clock: at runner time at, host
// clock − runner clock was offset, within ±bound.
type clockPoint struct {
	at            time.Time
	offset, bound time.Duration
}

// clockTrack holds a host's clock measurements (at probe start, at the
// start and end of every trial, after every reconnect) and gives the
// offset at any moment: interpolated between the measurements around it,
// and after the last one extrapolated at the drift rate of the last two
// when they are far enough apart to measure a rate (minRateSpan), else
// held.
type clockTrack struct {
	mu     sync.Mutex
	points []clockPoint
}

// minRateSpan is the shortest span over which a drift rate is trusted:
// two measurements a moment apart differ by their error, not by drift.
const minRateSpan = time.Second

func (c *clockTrack) add(p clockPoint) (prev clockPoint, had bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.points); n > 0 {
		prev, had = c.points[n-1], true
	}
	c.points = append(c.points, p)
	return prev, had
}

// offsetAt is the offset at runner time t.
func (c *clockTrack) offsetAt(t time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps := c.points
	switch {
	case len(ps) == 0:
		return 0
	case !t.After(ps[0].at):
		return ps[0].offset
	}
	for i := 1; i < len(ps); i++ {
		if !t.After(ps[i].at) {
			return lerp(ps[i-1], ps[i], t)
		}
	}
	last := ps[len(ps)-1]
	for i := len(ps) - 2; i >= 0; i-- {
		if last.at.Sub(ps[i].at) >= minRateSpan {
			return lerp(ps[i], last, t)
		}
	}
	return last.offset
}

func lerp(a, b clockPoint, t time.Time) time.Duration {
	span := b.at.Sub(a.at)
	if span <= 0 {
		return b.offset
	}
	frac := float64(t.Sub(a.at)) / float64(span)
	return a.offset + time.Duration(frac*float64(b.offset-a.offset))
}

// hostToRunner maps a host clock reading onto the runner's timeline.
func (c *clockTrack) hostToRunner(host time.Time) (time.Time, time.Duration) {
	// The offset depends on the runner time we are solving for; two
	// rounds converge for any drift a clock can have.
	off := c.offsetAt(host)
	off = c.offsetAt(host.Add(-off))
	return host.Add(-off), off
}

// measureClocks measures the clock of every streaming probe host, records
// each measurement with its bound as a clock event, and warns (a
// clock-drift event) when a host's offset moved by more than the bounds
// of its last two measurements allow.
func (r *run) measureClocks(ctx context.Context, why, trial string) {
	var hs []*hostConn
	for _, h := range r.probeHosts() {
		if h.streaming.Load() && !h.lost.Load() {
			hs = append(hs, h)
		}
	}
	_ = forHosts(ctx, hs, func(h *hostConn) error {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		r.measureClock(cctx, h, why, trial)
		return nil
	})
}

func (r *run) measureClock(ctx context.Context, h *hostConn, why, trial string) {
	off, bound, err := r.cfg.Clock(ctx, h.t, h.probe)
	if err != nil {
		_ = r.w.Event(results.Event{Type: results.EventError, Host: h.name, Trial: trial,
			Message: fmt.Sprintf("clock offset (%s): %v: samples keep the last measured offset", why, err)})
		return
	}
	r.recordClock(h, clockPoint{at: time.Now(), offset: off, bound: bound}, why, trial)
}

func (r *run) recordClock(h *hostConn, p clockPoint, why, trial string) {
	prev, had := h.clock.add(p)
	_ = r.w.Event(results.Event{Type: results.EventClock, Host: h.name, Trial: trial, Message: why,
		Data: map[string]any{"offset_ns": p.offset.Nanoseconds(), "bound_ns": p.bound.Nanoseconds()}})
	if !had {
		return
	}
	drift := p.offset - prev.offset
	if limit := p.bound + prev.bound; drift > limit || drift < -limit {
		msg := fmt.Sprintf("clock offset moved by %s in %s (from %s ± %s to %s ± %s), more than its bounds allow: samples are corrected with the offset interpolated between measurements",
			drift, p.at.Sub(prev.at).Round(time.Millisecond), prev.offset, prev.bound, p.offset, p.bound)
		_ = r.w.Event(results.Event{Type: results.EventClockDrift, Host: h.name, Trial: trial, Message: msg,
			Data: map[string]any{"drift_ns": drift.Nanoseconds(), "limit_ns": limit.Nanoseconds()}})
		r.printf("%s: warning: %s", h.name, msg)
	}
}

// latest is the host's offset now and the bound of its last measurement,
// for consumers that take one offset per trial (the word count's delays,
// whose trial starts with a fresh measurement).
func (c *clockTrack) latest() (offset, bound time.Duration) {
	off := c.offsetAt(time.Now())
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := len(c.points); n > 0 {
		bound = c.points[n-1].bound
	}
	return off, bound
}
