package facts

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/edgerig/edgerig/transport"
	"github.com/stretchr/testify/require"
)

// skewed is a hand-written host whose clock is off by skew and whose
// answers take delay each way.
type skewed struct {
	skew, delay time.Duration
	answer      func(now time.Time) string
}

func (s skewed) Run(ctx context.Context, c transport.Cmd) error {
	sc := bufio.NewScanner(c.Stdin)
	for sc.Scan() {
		time.Sleep(s.delay)
		now := time.Now().Add(s.skew)
		line := fmt.Sprintf("%d\n", now.UnixNano())
		if s.answer != nil {
			line = s.answer(now)
		}
		time.Sleep(s.delay)
		if _, err := c.Stdout.Write([]byte(line)); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (skewed) Copy(context.Context, string, string, os.FileMode) error { return nil }
func (skewed) Close() error                                            { return nil }

func TestClockOffsetSkew(t *testing.T) {
	for _, skew := range []time.Duration{0, 250 * time.Millisecond, -3 * time.Second, 2 * time.Hour} {
		t.Run(skew.String(), func(t *testing.T) {
			off, bound, err := ClockOffset(context.Background(), skewed{skew: skew, delay: time.Millisecond}, 20)
			require.NoError(t, err)
			require.GreaterOrEqual(t, bound, time.Millisecond, "the bound covers at least the one-way delay")
			require.InDelta(t, float64(skew), float64(off), float64(bound+time.Millisecond))
		})
	}
}

func TestClockOffsetBadAnswer(t *testing.T) {
	_, _, err := ClockOffset(context.Background(), skewed{answer: func(time.Time) string { return "1700000000%N\n" }}, 20)
	require.ErrorContains(t, err, "not a time in Unix nanoseconds")
}
