package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

// stopOf names the trial and phase a run was in, the last time it
// recorded, and why, from what the run directory holds.
func TestStopOf(t *testing.T) {
	t0 := fixtureStart
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	events := []results.Event{
		{Time: at(0), Type: results.EventRunStart},
		{Time: at(1), Type: results.EventPhaseStart, Trial: "t1", Phase: "setup"},
		{Time: at(5), Type: results.EventPhaseEnd, Trial: "t1", Phase: "setup"},
		{Time: at(5), Type: results.EventPhaseStart, Trial: "t1", Phase: "measure"},
	}
	tests := []struct {
		name   string
		status string
		err    string
		extra  []results.Event
		want   *Stop
	}{
		{"completed", results.StatusCompleted, "", nil, nil},
		{"killed", results.StatusAborted, "", nil, &Stop{Trial: "t1", Phase: "measure", At: at(5),
			Why: "the runner stopped without recording the run's end (killed, crashed or lost power)"}},
		{"interrupted", results.StatusFailed, "interrupted", []results.Event{
			{Time: at(9), Type: results.EventInterrupt, Message: "SIGINT"}},
			&Stop{Trial: "t1", Phase: "measure", At: at(9), Why: "interrupted; interrupted: SIGINT"}},
		{"step failed", results.StatusFailed, "measure step on worker1: exit status 2", []results.Event{
			{Time: at(7), Type: results.EventError, Host: "worker1", Phase: "measure", Message: "curl: exit status 2"}},
			&Stop{Trial: "t1", Phase: "measure", At: at(7),
				Why: "measure step on worker1: exit status 2; last error: curl: exit status 2 (worker1, measure)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := &results.Run{Manifest: results.Manifest{Start: t0, Status: tt.status, Error: tt.err,
				Trials: []results.Trial{{ID: "t1"}}}, Events: append(append([]results.Event{}, events...), tt.extra...)}
			a := AggregateRun(run)
			require.Equal(t, tt.want, a.Stop)
		})
	}
}
