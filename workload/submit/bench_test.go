package submit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/edgerig/edgerig/workload/submit"
	"github.com/edgerig/edgerig/workload/webhdfs"
	"github.com/edgerig/edgerig/workload/webhdfs/webhdfstest"
)

// benchLateness runs one submitter for 60 s at rate files per second
// against the in-process WebHDFS (real HTTP on loopback, the real client)
// and prints how late each file was sent after it was due: the schedule's
// own error, which the delay of every file includes. Target: p99 ≤ 1 ms.
//
//	go test -run '^$' -bench Lateness -benchtime 1x ./workload/submit/
func benchLateness(b *testing.B, rate int, noop bool) {
	const length = 60 * time.Second
	for range b.N {
		srv := webhdfstest.New()
		h := hdrhistogram.New(1, int64(time.Minute/time.Microsecond), 3)
		var mu sync.Mutex
		errs := 0
		cfg := submit.Config{Period: time.Second / time.Duration(rate), Count: rate * int(length/time.Second), Size: 532, Dir: "/in", Prefix: "b"}
		start := time.Now()
		var fs submit.FS = webhdfs.New(srv.Addr(), "u", 5*time.Second)
		what := "the in-process WebHDFS"
		if noop {
			fs, what = noopFS{}, "a no-op HDFS (the schedule alone)"
		}
		err := submit.Run(context.Background(), cfg, fs, func(r submit.Record) {
			mu.Lock()
			defer mu.Unlock()
			_ = h.RecordValue(max(int64(r.Late()/time.Microsecond), 1))
			if r.Err != "" {
				errs++
			}
		})
		wall := time.Since(start)
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		us := func(q float64) float64 { return float64(h.ValueAtQuantile(q)) / 1000 }
		b.ReportMetric(us(99), "late-p99-ms")
		b.ReportMetric(us(50), "late-p50-ms")
		fmt.Printf("submitter at %d/s for %s into %s (%d files, %d errors, wall %s): lateness p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms (target p99 ≤ 1 ms)\n",
			rate, length, what, h.TotalCount(), errs, wall.Round(time.Millisecond), us(50), us(99), us(99.9), float64(h.Max())/1000)
	}
}

func BenchmarkLateness1PerS(b *testing.B)       { benchLateness(b, 1, false) }
func BenchmarkLateness200PerS(b *testing.B)     { benchLateness(b, 200, false) }
func BenchmarkLateness200PerSNoop(b *testing.B) { benchLateness(b, 200, true) }

// noopFS accepts every file at once: the submitter's schedule measured
// without the HTTP work that shares its CPU.
type noopFS struct{}

func (noopFS) Create(context.Context, string, []byte) (time.Time, error) { return time.Now(), nil }
func (noopFS) Rename(context.Context, string, string) error              { return nil }
