package nodebench

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHashIsFNV1a(t *testing.T) {
	// Published FNV-1a 64 test vectors.
	require.Equal(t, uint64(0xcbf29ce484222325), Hash(nil))
	require.Equal(t, uint64(0xaf63dc4c8601ec8c), Hash([]byte("a")))
	require.Equal(t, uint64(0x85944171f73967e8), Hash([]byte("foobar")))
}

func TestTextIsDeterministicAndCompressible(t *testing.T) {
	a, b := Text(7, 1<<16), Text(7, 1<<16)
	require.Equal(t, a, b)
	require.NotEqual(t, a, Text(8, 1<<16))
	require.Len(t, a, 1<<16)
	require.Greater(t, strings.Count(string(a), " "), 5000)
}

func TestCPUScoresEveryWorker(t *testing.T) {
	r, err := CPU(context.Background(), 2, 300*time.Millisecond)
	require.NoError(t, err)
	require.Equal(t, Version, r.Version)
	require.Len(t, r.PerWorker, 2)
	require.Greater(t, r.Units, int64(0))
	require.InDelta(t, r.PerWorker[0]+r.PerWorker[1], r.Score, 1e-9)
	t.Logf("score %.1f MB/s with 2 workers (%d units)", r.Score, r.Units)
}

func TestCPURefusesBadInput(t *testing.T) {
	_, err := CPU(context.Background(), 0, time.Second)
	require.ErrorContains(t, err, "workers")
	_, err = CPU(context.Background(), 1, time.Millisecond)
	require.ErrorContains(t, err, "duration")
}

func TestCPUStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := CPU(ctx, 1, time.Hour)
	require.ErrorIs(t, err, context.Canceled)
}

func TestAllocReportsEveryChunk(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, Alloc(context.Background(), 40<<20, 0, &out))
	require.Equal(t, "allocated 16 MiB\nallocated 32 MiB\nallocated 40 MiB\n", out.String())
}

func TestSendRecvOnLoopback(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	type result struct {
		r   RecvResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := Recv(context.Background(), ln, 10*time.Second, 0)
		done <- result{r, err}
	}()
	s, err := Send(context.Background(), ln.Addr().String(), 8<<20, 10*time.Second)
	require.NoError(t, err)
	require.Equal(t, int64(8<<20), s.Bytes)
	got := <-done
	require.NoError(t, got.err)
	r := got.r
	require.Equal(t, int64(8<<20), r.Bytes)
	require.Greater(t, r.Mbits, 0.0)
}

func TestRecvTimesOutWithoutSender(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	start := time.Now()
	_, err = Recv(context.Background(), ln, 200*time.Millisecond, 0)
	require.ErrorContains(t, err, "no connection within 200ms")
	require.Less(t, time.Since(start), 5*time.Second)
}

func TestCPUUnitsDoesExactlyTheWork(t *testing.T) {
	r, err := CPUUnits(context.Background(), 2, 5)
	require.NoError(t, err)
	require.Equal(t, int64(5), r.Units)
	require.Len(t, r.PerWorker, 2)
	require.Greater(t, r.Seconds, 0.0)
	require.InDelta(t, 5*float64(unitBytes)/1e6/r.Seconds, r.Score, 1e-9)
	_, err = CPUUnits(context.Background(), 3, 2)
	require.ErrorContains(t, err, "want 3 (one per worker)")
}
