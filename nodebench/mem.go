package nodebench

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// chunk is how much Alloc adds between progress lines.
const chunk = 16 << 20

// Alloc allocates size bytes in 16 MiB chunks, writing to every page so
// that the kernel must back it, and reports each chunk on progress
// ("allocated N MiB"), so that a caller whose process was killed on the
// way knows how far it got. It then holds the memory for hold and returns.
func Alloc(ctx context.Context, size int64, hold time.Duration, progress io.Writer) error {
	if size <= 0 || size > 1<<40 {
		return fmt.Errorf("alloc: size %d: want 1 B to 1 TiB", size)
	}
	page := int64(os.Getpagesize())
	var held [][]byte
	for done := int64(0); done < size; {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		n := min(chunk, size-done)
		b := make([]byte, n)
		for i := int64(0); i < n; i += page {
			b[i] = 1
		}
		held = append(held, b)
		done += n
		fmt.Fprintf(progress, "allocated %d MiB\n", done>>20)
		if f, ok := progress.(interface{ Sync() error }); ok {
			f.Sync()
		}
	}
	select {
	case <-ctx.Done():
	case <-time.After(hold):
	}
	_ = held
	return nil
}
