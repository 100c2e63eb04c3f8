package spool

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func line(seq uint64) []byte {
	return []byte(fmt.Sprintf(`{"v":1,"seq":%d,"t":%d,"s":[]}`, seq, 1000+seq))
}

func TestSeq(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{`{"v":1,"seq":42,"t":1}`, 42, true},
		{`{"v":1,"seq":18446744073709551615}`, 18446744073709551615, true},
		{`{"v":1,"seq":0}`, 0, false},
		{`{"v":1,"seq":`, 0, false},
		{`{"v":1}`, 0, false},
		{`{"v":1,"seq":99999999999999999999}`, 0, false},
	}
	for _, tt := range tests {
		got, ok := Seq([]byte(tt.in))
		require.Equal(t, tt.ok, ok, tt.in)
		require.Equal(t, tt.want, got, tt.in)
	}
}

// TestRotationAndLastSeq: the spool stays within two files of about max
// bytes, and LastSeq finds where numbering stopped even right after a
// rotation (FILE empty) and with a torn last line.
func TestRotationAndLastSeq(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s")
	last, err := LastSeq(p)
	require.NoError(t, err)
	require.Zero(t, last, "no spool yet")
	w, err := Create(p, 200)
	require.NoError(t, err)
	for seq := uint64(1); seq <= 20; seq++ {
		require.NoError(t, w.Append(line(seq)))
		st, err := os.Stat(p)
		require.NoError(t, err)
		require.LessOrEqual(t, st.Size(), int64(200))
	}
	require.NoError(t, w.Close())
	last, err = LastSeq(p)
	require.NoError(t, err)
	require.Equal(t, uint64(20), last)

	require.NoError(t, os.WriteFile(p, nil, 0o644))
	last, err = LastSeq(p)
	require.NoError(t, err)
	require.Greater(t, last, uint64(10), "from FILE.1 when FILE is empty")

	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.Write(append(line(21), '\n'))
	require.NoError(t, err)
	_, err = f.Write([]byte(`{"v":1,"seq":2`)) // torn by a crash
	require.NoError(t, err)
	require.NoError(t, f.Close())
	last, err = LastSeq(p)
	require.NoError(t, err)
	require.Equal(t, uint64(21), last)
}

// syncBuf is a bytes.Buffer safe for a follower writing while the test reads.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) seqs() []uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []uint64
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if v, ok := Seq([]byte(l)); ok {
			out = append(out, v)
		}
	}
	return out
}

// TestFollowAcrossRotations: a follower started after some records gets
// exactly the ones after its resume point, then new ones through several
// rotations, in order, without a gap or a repeat.
func TestFollowAcrossRotations(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s")
	w, err := Create(p, 300)
	require.NoError(t, err)
	for seq := uint64(1); seq <= 6; seq++ {
		require.NoError(t, w.Append(line(seq)))
	}
	var out syncBuf
	var gaps [][2]uint64
	f := &Follower{Path: p, After: 3, Out: &out, Poll: 5 * time.Millisecond, Gap: func(a, b uint64) { gaps = append(gaps, [2]uint64{a, b}) }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	// A spool this small holds ~20 records across its two files: the
	// writer waits for the follower every 5 records so that a slow start
	// on a loaded machine is not taken for a follower that loses data
	// (TestFollowReportsGap covers the follower that falls behind).
	caughtUp := func(seq uint64) func() bool {
		return func() bool { s := out.seqs(); return len(s) > 0 && s[len(s)-1] >= seq }
	}
	require.Eventually(t, caughtUp(6), 5*time.Second, 2*time.Millisecond)
	for seq := uint64(7); seq <= 60; seq++ {
		require.NoError(t, w.Append(line(seq)))
		if seq%5 == 0 {
			require.Eventually(t, caughtUp(seq), 5*time.Second, 2*time.Millisecond)
		}
	}
	require.Eventually(t, func() bool { s := out.seqs(); return len(s) > 0 && s[len(s)-1] == 60 }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	var want []uint64
	for seq := uint64(4); seq <= 60; seq++ {
		want = append(want, seq)
	}
	require.Equal(t, want, out.seqs())
	require.Empty(t, gaps)
	require.Equal(t, uint64(60), f.Last())
}

// TestFollowReportsGap: asking for records already rotated away is told.
func TestFollowReportsGap(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s")
	w, err := Create(p, 120)
	require.NoError(t, err)
	for seq := uint64(1); seq <= 30; seq++ {
		require.NoError(t, w.Append(line(seq)))
	}
	var out syncBuf
	var gaps [][2]uint64
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	f := &Follower{Path: p, After: 2, Out: &out, Poll: 5 * time.Millisecond, Gap: func(a, b uint64) { gaps = append(gaps, [2]uint64{a, b}) }}
	require.NoError(t, f.Run(ctx))
	s := out.seqs()
	require.NotEmpty(t, s)
	require.Equal(t, uint64(30), s[len(s)-1])
	require.Equal(t, [][2]uint64{{3, s[0] - 1}}, gaps)
}
