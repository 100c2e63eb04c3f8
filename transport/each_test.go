package transport_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/edgerig/edgerig/transport"
	"github.com/stretchr/testify/require"
)

func TestEach(t *testing.T) {
	for _, tc := range []struct{ n, limit, wantMax int }{
		{10, 3, 3}, {5, 0, 5}, {4, 10, 4}, {0, 2, 0},
	} {
		var running, peak atomic.Int32
		release := make(chan struct{})
		go func() {
			// Let the first wave start, then let everyone through.
			time.Sleep(50 * time.Millisecond)
			close(release)
		}()
		errs := transport.Each(context.Background(), tc.n, tc.limit, func(ctx context.Context, i int) error {
			now := running.Add(1)
			for p := peak.Load(); now > p && !peak.CompareAndSwap(p, now); p = peak.Load() {
			}
			<-release
			running.Add(-1)
			if i%2 == 1 {
				return errors.New("odd")
			}
			return nil
		})
		require.Len(t, errs, tc.n)
		require.EqualValues(t, tc.wantMax, peak.Load(), "n=%d limit=%d", tc.n, tc.limit)
		for i, err := range errs {
			require.Equal(t, i%2 == 1, err != nil, "index %d", i)
		}
	}
}

func TestEachCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	errs := transport.Each(ctx, 10, 1, func(ctx context.Context, i int) error {
		calls.Add(1)
		if i == 2 {
			cancel()
		}
		return nil
	})
	require.LessOrEqual(t, calls.Load(), int32(4))
	require.ErrorIs(t, errs[9], context.Canceled)
}
