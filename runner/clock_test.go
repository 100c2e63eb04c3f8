package runner

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

const clockSpec = `name: clock
repeat: 2
phases: {settle: {duration: 300ms}, measure: {duration: 1500ms}, teardown: {timeout: 5s}}
probe: {interval: 100ms, containers: false}
`

// timeErrors checks every host-level row of a fake host: its corrected
// time against the runner time the fake took it at, and its phase against
// the phases' actual start and end in the manifest. It returns the worst
// time error per trial.
func timeErrors(t *testing.T, b *fakeBed, r *results.Run, host string) map[string]time.Duration {
	t.Helper()
	f := b.hosts[host]
	worst := map[string]time.Duration{}
	checked := 0
	for _, row := range r.Samples[host] {
		truth := f.started.Add(time.Duration(row.Seq-1) * f.interval)
		got := time.UnixMilli(row.TimeMS)
		e := got.Sub(truth).Abs()
		worst[row.Trial] = max(worst[row.Trial], e)
		// Phase tagging, away from the boundaries by more than the error.
		for _, tr := range r.Manifest.Trials {
			for _, p := range tr.Phases {
				if truth.After(p.Start.Add(e+5*time.Millisecond)) && truth.Before(p.End.Add(-e-5*time.Millisecond)) {
					require.Equal(t, tr.ID+"/"+p.Name, row.Trial+"/"+row.Phase, "seq %d at %s", row.Seq, truth)
					checked++
				}
			}
		}
	}
	require.Greater(t, checked, 20, "enough rows inside phases to check their tags")
	return worst
}

// A host whose clock is 5 s ahead: samples land on the runner's timeline
// and in the right trial and phase.
func TestClockNonZeroOffsetPhaseTagging(t *testing.T) {
	b := newFakeBed(t, clockSpec, "n1")
	b.hosts["n1"].offset = func(time.Time) time.Duration { return 5 * time.Second }
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	for trial, e := range timeErrors(t, b, r, "n1") {
		require.LessOrEqual(t, e, 2*time.Millisecond, "trial %s", trial)
	}
	require.Empty(t, eventTypes(r, results.EventClockDrift))
	// Measured at probe start, and at the start and end of both trials.
	require.Len(t, eventTypes(r, results.EventClock), 5)
	b.requireAllSamples(t, r)
}

// A host whose clock drifts by 50 ms a second: the drift is warned about,
// and samples are corrected with the offset between measurements, so the
// second trial (after a measured rate) is placed within a few ms.
func TestClockDriftingOffset(t *testing.T) {
	b := newFakeBed(t, clockSpec, "n1")
	t0 := time.Now()
	b.hosts["n1"].offset = func(at time.Time) time.Duration {
		return -2*time.Second + time.Duration(0.05*float64(at.Sub(t0)))
	}
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	require.NotEmpty(t, eventTypes(r, results.EventClockDrift), "drift beyond the bounds is warned about")
	worst := timeErrors(t, b, r, "n1")
	require.LessOrEqual(t, worst["t1"], 150*time.Millisecond)
	require.LessOrEqual(t, worst["t2"], 10*time.Millisecond, "%v", worst)
	b.requireAllSamples(t, r)
}
