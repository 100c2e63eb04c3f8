package transport

import (
	"context"
	"sync"
)

// Each calls fn(ctx, i) for i in [0, n) with at most limit calls running at
// once (limit <= 0: all at once) and returns each call's error by index.
// It is how the runner reaches many hosts without opening hundreds of SSH
// handshakes at the same moment. Once ctx is done, calls not yet started
// are skipped with ctx's error.
func Each(ctx context.Context, n, limit int, fn func(ctx context.Context, i int) error) []error {
	errs := make([]error, n)
	if limit <= 0 || limit > n {
		limit = n
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < n; j++ {
				errs[j] = ctx.Err()
			}
			wg.Wait()
			return errs
		}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = fn(ctx, i)
		})
	}
	wg.Wait()
	return errs
}
