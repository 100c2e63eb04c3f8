package runner

import (
	"sort"
	"sync"
	"time"
)

// timeline maps a moment on the runner's clock to the trial and phase that
// were current then. Samples are tagged by their (offset-corrected) time,
// not by when they arrive: records replayed from a probe's spool after a
// reconnect arrive late but still belong to the phase they were taken in.
type timeline struct {
	mu    sync.RWMutex
	marks []mark
}

type mark struct {
	at           time.Time
	trial, phase string
}

// Phase names used outside any trial phase.
const (
	phaseBefore  = "before" // before the first trial's setup
	phaseBetween = "between"
)

func (tl *timeline) enter(at time.Time, trial, phase string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.marks = append(tl.marks, mark{at: at, trial: trial, phase: phase})
}

// at returns the trial and phase current at t.
func (tl *timeline) at(t time.Time) (trial, phase string) {
	tl.mu.RLock()
	defer tl.mu.RUnlock()
	i := sort.Search(len(tl.marks), func(i int) bool { return tl.marks[i].at.After(t) })
	if i == 0 {
		return "", phaseBefore
	}
	m := tl.marks[i-1]
	return m.trial, m.phase
}
