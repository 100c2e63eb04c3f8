package delay

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/workload/submit"
)

// TestComputeAccountsForEveryFile: hand-written records and batches, one of
// every fate: counted (its stages summing to its delay on corrected
// clocks), failed with the submitter's message, renamed but never listed,
// listed by a batch whose output never came.
func TestComputeAccountsForEveryFile(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	// The collector's clock is 50 ms ahead of the runner's, the driver's
	// 200 ms behind.
	col := Clock{Offset: 50 * time.Millisecond, Bound: time.Millisecond}
	drv := Clock{Offset: -200 * time.Millisecond, Bound: 2 * time.Millisecond}
	recs := []submit.Record{
		{Seq: 0, Name: "a.txt", Token: "a", Intended: at(0), Sent: at(1), Created: at(60), Renamed: at(70)},
		{Seq: 1, Name: "b.txt", Token: "b", Intended: at(1000), Sent: at(1000), Err: "create: dial tcp 127.0.0.1:9870: connect: connection refused"},
		{Seq: 2, Name: "c.txt", Token: "c", Intended: at(2000), Sent: at(2000), Created: at(2050), Renamed: at(2060)},
		{Seq: 3, Name: "d.txt", Token: "d", Intended: at(3000), Sent: at(3000), Created: at(3050), Renamed: at(3060)},
	}
	// Driver times: batch at runner 1000 ms is 800 ms on its clock.
	batches := []Batch{
		{Time: at(800), Files: []string{"a.txt"}, Total: 1500 * time.Millisecond, Exec: 400 * time.Millisecond, HaveDelay: true,
			PrintStart: at(2300), PrintEnd: at(2301), Words: []string{"a"}},
		{Time: at(3800), Files: []string{"d.txt"}},
	}
	files := Compute([]Submitted{{Collector: "c1", Clock: col, Records: recs}}, batches, drv)
	require.Len(t, files, 4)

	a := files[0]
	require.Empty(t, a.Lost)
	require.Equal(t, "batch", a.TokenSeen)
	require.Equal(t, time.Millisecond, a.Late)
	require.Equal(t, 59*time.Millisecond, a.CreateWrite)
	require.Equal(t, 10*time.Millisecond, a.Rename)
	// Renamed at 70 − 50 = 20 ms (runner); batch at 800 + 200 = 1000 ms.
	require.Equal(t, 980*time.Millisecond, a.BatchWait)
	require.Equal(t, 1100*time.Millisecond, a.Queue, "total − execution")
	require.Equal(t, 400*time.Millisecond, a.Execution)
	require.Equal(t, time.Millisecond, a.Printing)
	// Printed at 2301 + 200 = 2501 ms, due at −50 ms.
	require.Equal(t, 2551*time.Millisecond, a.Delay)
	require.Equal(t, a.Delay, a.Late+a.CreateWrite+a.Rename+a.BatchWait+a.Queue+a.Execution+a.Printing)
	require.Equal(t, 3*time.Millisecond, a.Bound)

	require.Equal(t, "not submitted: create: dial tcp 127.0.0.1:9870: connect: connection refused", files[1].Lost)
	require.False(t, files[1].InDir)
	require.Contains(t, files[2].Lost, "no batch of the job listed it")
	require.True(t, files[2].InDir)
	require.Contains(t, files[3].Lost, "whose output was never printed")

	s := Summarize(files)
	require.Equal(t, 4, s.Files)
	require.Equal(t, 3, s.Lost)
	require.InDelta(t, float64(2551*time.Millisecond), float64(s.P50), float64(3*time.Millisecond), "HDR keeps 3 significant digits")
}
