package faults

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

// A node killed during measure: the run completes, the loss is recorded,
// and the other nodes lose no sample.
func TestNodeKilledDuringMeasure(t *testing.T) {
	tb := testbed(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	const measure = 20 * time.Second
	r := startRun(t, tb.HostsPath(), measure)
	r.waitEvent(t, results.EventPhaseStart, "measure", 3*time.Minute)
	time.Sleep(3 * time.Second)
	require.NoError(t, tb.Kill(ctx, "node4"))

	code := r.wait(t, 3*time.Minute)
	run, err := results.Read(r.runDir())
	require.NoError(t, err)
	t.Logf("exit %d, status %s", code, run.Manifest.Status)
	require.Equal(t, results.StatusCompleted, run.Manifest.Status, "stderr:\n%s", r.stderr.String())
	var lost []string
	for _, e := range eventsOf(run, results.EventNodeLost) {
		lost = append(lost, e.Host)
	}
	require.Equal(t, []string{"node4"}, lost)
	for _, n := range []string{"node1", "node2", "node3"} {
		requireNoGap(t, run, n, int(measure/time.Second))
	}
}
