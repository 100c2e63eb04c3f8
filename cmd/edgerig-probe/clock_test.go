package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestClock answers each line at once with the wall clock in nanoseconds.
func TestClock(t *testing.T) {
	p := start(t, "clock")
	var prev int64
	for i := 0; i < 5; i++ {
		before := time.Now().UnixNano()
		_, err := p.stdin.Write([]byte("?\n"))
		require.NoError(t, err)
		line, err := p.out.ReadString('\n') // would block forever if not flushed
		require.NoError(t, err)
		after := time.Now().UnixNano()
		v, err := strconv.ParseInt(strings.TrimSuffix(line, "\n"), 10, 64)
		require.NoError(t, err, "answer %q", line)
		require.GreaterOrEqual(t, v, before)
		require.LessOrEqual(t, v, after)
		require.GreaterOrEqual(t, v, prev)
		prev = v
	}
	require.NoError(t, p.stdin.Close())
	require.NoError(t, p.exit(t, 5*time.Second))
}
