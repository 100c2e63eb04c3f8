package transporttest

import (
	"sync/atomic"
)

// counter counts bytes without keeping them.
type counter struct{ n atomic.Int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}
