package submit_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/workload/submit"
	"github.com/edgerig/edgerig/workload/webhdfs"
	"github.com/edgerig/edgerig/workload/webhdfs/webhdfstest"
)

func collect(t *testing.T, ctx context.Context, cfg submit.Config, fs submit.FS) []submit.Record {
	t.Helper()
	var mu sync.Mutex
	var recs []submit.Record
	err := submit.Run(ctx, cfg, fs, func(r submit.Record) {
		mu.Lock()
		recs = append(recs, r)
		mu.Unlock()
	})
	require.NoError(t, err)
	return recs
}

func TestScheduleAndContent(t *testing.T) {
	s := webhdfstest.New()
	defer s.Close()
	cfg := submit.Config{Period: 20 * time.Millisecond, Count: 10, Size: 532, Dir: "/in", Prefix: "t1c0m"}
	recs := collect(t, context.Background(), cfg, webhdfs.New(s.Addr(), "u", 5*time.Second))
	require.Len(t, recs, 10)
	seen := map[string]bool{}
	var t0 time.Time
	for _, r := range recs {
		if r.Seq == 0 {
			t0 = r.Intended
		}
	}
	for _, r := range recs {
		require.Empty(t, r.Err)
		require.False(t, seen[r.Token], "tokens are unique")
		seen[r.Token] = true
		require.Equal(t, t0.Add(time.Duration(r.Seq)*cfg.Period), r.Intended, "open loop: due at t0 + i·period")
		require.False(t, r.Sent.Before(r.Intended))
		require.False(t, r.Created.Before(r.Located))
		require.False(t, r.Renamed.Before(r.Created))
		b, ok := s.File("/in/" + r.Name)
		require.True(t, ok, r.Name)
		require.Len(t, b, 532)
		require.True(t, strings.HasPrefix(string(b), r.Token+" "))
	}
}

func TestContentSizes(t *testing.T) {
	for _, size := range []int{1, 5, 12, 532, 1040} {
		b := submit.Content("tok", size)
		require.Len(t, b, size)
		require.Equal(t, byte('\n'), b[size-1])
	}
}

// A NameNode that fails every CREATE for a while must not slow the
// schedule: each file is recorded with its error and the next is sent on
// time.
func TestErrorsDoNotStallTheSchedule(t *testing.T) {
	s := webhdfstest.New()
	defer s.Close()
	var mu sync.Mutex
	failing := true
	s.Fail = func(op, _ string) (int, string, string) {
		mu.Lock()
		defer mu.Unlock()
		if failing && op == "CREATE" {
			time.Sleep(50 * time.Millisecond) // slower than the period
			return http.StatusServiceUnavailable, "RetriableException", "NameNode still not started"
		}
		return 0, "", ""
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		failing = false
		mu.Unlock()
	}()
	cfg := submit.Config{Period: 10 * time.Millisecond, Count: 40, Size: 100, Dir: "/in", Prefix: "x"}
	recs := collect(t, context.Background(), cfg, webhdfs.New(s.Addr(), "u", 5*time.Second))
	require.Len(t, recs, 40)
	failed, ok := 0, 0
	for _, r := range recs {
		if r.Err != "" {
			failed++
			require.Contains(t, r.Err, "create: webhdfs CREATE")
			require.Contains(t, r.Err, "RetriableException")
		} else {
			ok++
		}
		require.Less(t, r.Late(), 150*time.Millisecond, "file %d sent %s late", r.Seq, r.Late())
	}
	require.NotZero(t, failed)
	require.NotZero(t, ok)
}

func TestCancelStopsTheSchedule(t *testing.T) {
	s := webhdfstest.New()
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	var n int
	var mu sync.Mutex
	err := submit.Run(ctx, submit.Config{Period: 20 * time.Millisecond, Count: 1000, Size: 10, Dir: "/in"},
		webhdfs.New(s.Addr(), "u", time.Second), func(submit.Record) { mu.Lock(); n++; mu.Unlock() })
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, n, 20)
}

func TestBadConfig(t *testing.T) {
	err := submit.Run(context.Background(), submit.Config{Period: 0, Count: 1, Size: 1}, nil, nil)
	require.ErrorContains(t, err, "must be positive")
}
