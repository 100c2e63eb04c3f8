package runner

import (
	"fmt"
	"strings"
	"time"
)

func (r *run) setCurrent(what string, length time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.current, r.phaseLen = what, length
	r.phaseEnd = time.Now().Add(length)
}

// startProgress prints a status line every ProgressEvery — phase,
// elapsed/total, samples received per host — and notices hosts that went
// silent (no sample for 5 intervals) as lost.
func (r *run) startProgress() (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				r.watchdog(now)
				if now.Sub(last) >= r.cfg.ProgressEvery {
					last = now
					r.printf("%s", r.status(now))
				}
			}
		}
	}()
	return func() { close(done) }
}

func (r *run) status(now time.Time) string {
	r.mu.Lock()
	what, end, length := r.current, r.phaseEnd, r.phaseLen
	r.mu.Unlock()
	var b strings.Builder
	b.WriteString(what)
	if length > 0 {
		el := min(length, length-end.Sub(now)).Round(time.Second)
		fmt.Fprintf(&b, " %s/%s", max(el, 0), length)
	}
	b.WriteString(" | samples")
	for _, h := range r.hosts {
		if h.probe == "" {
			continue
		}
		fmt.Fprintf(&b, " %s=%d", h.name, h.received.Load())
		if h.lost.Load() {
			b.WriteString("(lost)")
		}
	}
	return b.String()
}

func (r *run) watchdog(now time.Time) {
	silent := max(5*r.cfg.Spec.Probe.Interval, 5*time.Second)
	for _, h := range r.hosts {
		if h.probe == "" {
			continue
		}
		select {
		case <-h.stopping:
			continue
		default:
		}
		if last := h.lastRecv.Load(); last > 0 && now.Sub(time.Unix(0, last)) > silent {
			r.markLost(h, fmt.Sprintf("no samples for %s", silent))
		}
	}
}
