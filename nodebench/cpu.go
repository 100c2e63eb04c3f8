package nodebench

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"sync"
	"syscall"
	"time"
)

// Version names the CPU work. A score is only comparable with scores of
// the same version: bump it whenever the work changes.
const Version = "cpu-1"

// unitBytes is the input of one unit of work.
const unitBytes = 64 << 10

// CPUResult is one CPU run.
type CPUResult struct {
	Version   string    `json:"version"`
	Workers   int       `json:"workers"`
	Seconds   float64   `json:"seconds"`
	Units     int64     `json:"units"`
	Score     float64   `json:"score"`      // MB of input per second over all workers
	PerWorker []float64 `json:"per_worker"` // each worker's score
	// CPUSeconds is the process's CPU time over the whole run (warm-up
	// included) and PerCPUSecond the MB of input per CPU second over the
	// same: the speed of the CPU itself, whatever share of it the process
	// got. Under a quota Score ≈ PerCPUSecond × the cores obtained.
	CPUSeconds   float64 `json:"cpu_seconds"`
	PerCPUSecond float64 `json:"per_cpu_second"`
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// perCPU fills CPUSeconds and PerCPUSecond from the units done in all.
func (r *CPUResult) perCPU(all int64, cpu time.Duration) {
	r.CPUSeconds = cpu.Seconds()
	if r.CPUSeconds > 0 {
		r.PerCPUSecond = float64(all) * unitBytes / 1e6 / r.CPUSeconds
	}
}

// CPU runs workers goroutines of the fixed work for d (after a warm-up of
// a tenth of d, not counted) and scores the input megabytes they got
// through per second. Each worker counts the units it finished within the
// window.
func CPU(ctx context.Context, workers int, d time.Duration) (CPUResult, error) {
	if workers < 1 || workers > 256 {
		return CPUResult{}, fmt.Errorf("cpu: %d workers: want 1 to 256", workers)
	}
	if d < 100*time.Millisecond || d > time.Hour {
		return CPUResult{}, fmt.Errorf("cpu: duration %s: want 100ms to 1h", d)
	}
	warm := d / 10
	cpu0 := cpuTime()
	start := time.Now().Add(warm)
	end := start.Add(d)
	units := make([]int64, workers)
	all := make([]int64, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			units[w], all[w], errs[w] = work(ctx, uint64(w)+1, start, end, -1)
		})
	}
	wg.Wait()
	res := CPUResult{Version: Version, Workers: workers, Seconds: d.Seconds()}
	var total int64
	for _, a := range all {
		total += a
	}
	res.perCPU(total, cpuTime()-cpu0)
	for w := range workers {
		if errs[w] != nil {
			return CPUResult{}, errs[w]
		}
		s := float64(units[w]) * unitBytes / 1e6 / d.Seconds()
		res.PerWorker = append(res.PerWorker, s)
		res.Units += units[w]
		res.Score += s
	}
	return res, ctx.Err()
}

// CPUUnits has workers goroutines do units of the fixed work between them
// (a fixed amount, unlike CPU's fixed time) and scores them by the wall
// time taken: the form a workload step uses, whose wall time is the
// measurement. It gives up at ctx's end.
func CPUUnits(ctx context.Context, workers, units int) (CPUResult, error) {
	if workers < 1 || workers > 256 {
		return CPUResult{}, fmt.Errorf("cpu: %d workers: want 1 to 256", workers)
	}
	if units < workers || units > 1e7 {
		return CPUResult{}, fmt.Errorf("cpu: %d units: want %d (one per worker) to 10000000", units, workers)
	}
	cpu0 := cpuTime()
	begin := time.Now()
	far := begin.Add(24 * time.Hour)
	errs := make([]error, workers)
	secs := make([]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		n := units / workers
		if w < units%workers {
			n++
		}
		wg.Go(func() {
			_, _, errs[w] = work(ctx, uint64(w)+1, time.Time{}, far, int64(n))
			secs[w] = time.Since(begin).Seconds()
		})
	}
	wg.Wait()
	d := time.Since(begin).Seconds()
	res := CPUResult{Version: Version, Workers: workers, Seconds: d, Units: int64(units)}
	for w := range workers {
		if errs[w] != nil {
			return CPUResult{}, errs[w]
		}
		n := units / workers
		if w < units%workers {
			n++
		}
		res.PerWorker = append(res.PerWorker, float64(n)*unitBytes/1e6/secs[w])
	}
	res.Score = float64(units) * unitBytes / 1e6 / d
	res.perCPU(int64(units), cpuTime()-cpu0)
	return res, nil
}

// work does units until end (or, when limit ≥ 0, until limit of them are
// counted), counting those that finish in [start, end) and, in all, every
// unit it finished.
func work(ctx context.Context, seed uint64, start, end time.Time, limit int64) (n, all int64, err error) {
	if limit == 0 {
		return 0, 0, nil
	}
	text := Text(seed, 4*unitBytes)
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, 6)
	if err != nil {
		return 0, 0, err
	}
	out := make([]byte, unitBytes)
	var fr io.ReadCloser
	for i := 0; ; i++ {
		if ctx.Err() != nil {
			return n, all, ctx.Err()
		}
		off := (i * 4099) % (len(text) - unitBytes)
		in := text[off : off+unitBytes]
		comp.Reset()
		fw.Reset(&comp)
		fw.Write(in)
		fw.Close()
		if fr == nil {
			fr = flate.NewReader(bytes.NewReader(comp.Bytes()))
		} else {
			fr.(flate.Resetter).Reset(bytes.NewReader(comp.Bytes()), nil)
		}
		if _, err := io.ReadFull(fr, out); err != nil {
			return n, all, fmt.Errorf("cpu: inflate: %w", err)
		}
		if Hash(out) != Hash(in) {
			return n, all, fmt.Errorf("cpu: inflated data differs from the input")
		}
		mix(uint64(i) ^ seed)
		all++
		now := time.Now()
		if now.After(end) {
			return n, all, nil
		}
		if !now.Before(start) {
			n++
			if n == limit {
				return n, all, nil
			}
		}
	}
}

// Hash is FNV-1a (64 bit) over b: one multiply and one xor per byte.
func Hash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// sink keeps mix's result alive, so that the compiler cannot drop it.
var sink uint64

// mix is integer work with data-dependent branches: xorshift steps, a
// multiply, and a branch on the low bits.
func mix(x uint64) {
	x |= 1
	var acc uint64
	for range 65536 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		if x&3 == 0 {
			acc += x >> 3
		} else {
			acc ^= x * 0x9E3779B97F4A7C15
		}
	}
	sink += acc
}

// words make the generated text: compressible like prose or logs, about
// 3:1 under deflate.
var words = []string{"the", "of", "edge", "node", "cluster", "spark", "stream", "file", "word",
	"count", "delay", "board", "probe", "sample", "memory", "core", "network", "swarm", "pod",
	"kubernetes", "container", "raspberry", "latency", "throughput", "a", "in", "to", "and"}

// Text is n bytes of pseudo-random words, the same for the same seed.
func Text(seed uint64, n int) []byte {
	b := make([]byte, 0, n+16)
	x := seed*0x9E3779B97F4A7C15 | 1
	for len(b) < n {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b = append(b, words[x%uint64(len(words))]...)
		if x>>60 == 0 {
			b = append(b, '.', '\n')
		} else {
			b = append(b, ' ')
		}
	}
	return b[:n]
}
