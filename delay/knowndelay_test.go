package delay_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/delay"
	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/workload/submit"
	"github.com/edgerig/edgerig/workload/webhdfs"
	"github.com/edgerig/edgerig/workload/webhdfs/webhdfstest"
)

// shiftedHost is a hand-written host whose clock is ahead of ours by skew:
// it answers the clock exchange as `date +%s%N` would, with a one-way
// delay, so the offset comes with a real error bound.
type shiftedHost struct{ skew, oneWay time.Duration }

func (h shiftedHost) Run(ctx context.Context, c transport.Cmd) error {
	sc := bufio.NewScanner(c.Stdin)
	for sc.Scan() {
		time.Sleep(h.oneWay)
		line := fmt.Sprintf("%d\n", time.Now().Add(h.skew).UnixNano())
		time.Sleep(h.oneWay)
		if _, err := io.WriteString(c.Stdout, line); err != nil {
			return err
		}
	}
	return ctx.Err()
}
func (shiftedHost) Copy(context.Context, string, string, os.FileMode) error { return nil }
func (shiftedHost) Close() error                                            { return nil }

// sink stands in for the streaming job on the shifted host: D after a file
// arrives it prints the lines the driver and pprint would, stamped on its
// own (shifted) clock, and notes when, on ours, it printed each.
type sink struct {
	d, skew time.Duration
	out     io.Writer
	mu      sync.Mutex
	printed map[string]time.Time // file name → true time of its last line
	arrived map[string]time.Time
	wg      sync.WaitGroup
}

func (s *sink) arrive(dst string, at time.Time) {
	s.mu.Lock()
	s.arrived[path.Base(dst)] = at
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		time.Sleep(time.Until(at.Add(s.d)))
		s.mu.Lock()
		defer s.mu.Unlock()
		now := time.Now()
		host := now.Add(s.skew)
		bt := at.Add(s.skew).Truncate(time.Millisecond)
		lines := []string{
			fmt.Sprintf("%d e 26/12/02 17:56:23 INFO FileInputDStream: New files at time %d ms:", host.UnixNano(), bt.UnixMilli()),
			fmt.Sprintf("%d e hdfs://nn:9000%s", host.UnixNano(), dst),
			fmt.Sprintf("%d o -------------------------------------------", host.UnixNano()),
			fmt.Sprintf("%d o Time: %s", host.UnixNano(), bt.UTC().Format("2006-01-02 15:04:05.000000")),
			fmt.Sprintf("%d o -------------------------------------------", host.UnixNano()),
			fmt.Sprintf("%d o ('%s', 1)", host.UnixNano(), path.Base(dst)[:len(path.Base(dst))-4]),
			fmt.Sprintf("%d o ", host.UnixNano()),
		}
		for _, l := range lines {
			fmt.Fprintln(s.out, l)
		}
		s.printed[path.Base(dst)] = now
	}()
}

// TestKnownDelay: files go through a real submitter and WebHDFS client to
// an in-process WebHDFS whose "job" prints each D after it arrives, on a
// host whose clock is 3.7 s ahead. The measured delay of every file must
// equal the true delay within the reported bound, and its part after the
// file's arrival must be D within the bound.
func TestKnownDelay(t *testing.T) {
	const d = 150 * time.Millisecond
	host := shiftedHost{skew: 3700 * time.Millisecond, oneWay: 300 * time.Microsecond}
	off, bound, err := facts.ClockOffset(context.Background(), host, 20)
	require.NoError(t, err)

	pr, pw := io.Pipe()
	s := &sink{d: d, skew: host.skew, out: pw, printed: map[string]time.Time{}, arrived: map[string]time.Time{}}
	srv := webhdfstest.New()
	defer srv.Close()
	srv.Renamed = s.arrive
	p := delay.NewParser()
	parsed := make(chan error, 1)
	go func() { parsed <- p.Read(pr, nil) }()

	var recs []submit.Record
	err = submit.Run(context.Background(), submit.Config{Period: 40 * time.Millisecond, Count: 25, Size: 532, Dir: "/in", Prefix: "k"},
		webhdfs.New(srv.Addr(), "u", 5*time.Second), func(r submit.Record) { recs = append(recs, r) })
	require.NoError(t, err)
	s.wg.Wait()
	pw.Close()
	require.NoError(t, <-parsed)

	files := delay.Compute([]delay.Submitted{{Collector: "c", Records: recs}}, p.Batches(), delay.Clock{Offset: off, Bound: bound})
	require.Len(t, files, 25)
	for _, f := range files {
		require.Empty(t, f.Lost, f.Name)
		require.Equal(t, bound, f.Bound)
		truth := s.printed[f.Name].Sub(f.Intended)
		require.InDelta(t, float64(truth), float64(f.Delay), float64(f.Bound), "%s: measured %s, true %s ± %s", f.Name, f.Delay, truth, f.Bound)
		// The part after the file arrived: the sink's D (and whatever its
		// sleep overshot on a loaded machine, which it measured itself).
		afterArrival := f.Delay - s.arrived[f.Name].Sub(f.Intended)
		trueAfter := s.printed[f.Name].Sub(s.arrived[f.Name])
		require.GreaterOrEqual(t, trueAfter, d, "the sink waited D")
		require.InDelta(t, float64(trueAfter), float64(afterArrival), float64(f.Bound), f.Name)
		require.Equal(t, f.Delay, f.Late+f.CreateWrite+f.Rename+f.BatchWait+f.Queue+f.Execution+f.Printing, "stages sum to the delay")
		require.Equal(t, "batch", f.TokenSeen)
	}
	t.Logf("offset %s ± %s (true 3.7s)", off, bound)
}
