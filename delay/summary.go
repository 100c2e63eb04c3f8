package delay

import (
	"fmt"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Summary is the distribution of the delays of one set of files.
type Summary struct {
	Files, Lost          int
	P50, P90, P99, Max   time.Duration
	Bound                time.Duration // the largest per-file error bound
	Late                 int           // files sent more than 1 ms after they were due
	LateP99              time.Duration
	TokensSeen, Mismatch int
}

// Summarize computes percentiles from an HDR histogram at microsecond
// resolution, 3 significant digits (values up to one hour). HDR rather
// than sorting every delay: its memory is fixed whatever the number of
// files (a long run at 200 files/s holds millions), its error is a known
// relative one (0.1 %, far below the clock bound at these delays), and
// the same percentiles come out of every caller — measure's summary, the
// report's Table 4 and the submitter benchmark.
func Summarize(files []File) Summary {
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	late := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	var s Summary
	for _, f := range files {
		s.Files++
		if f.Lost != "" {
			s.Lost++
			continue
		}
		_ = h.RecordValue(max(int64(f.Delay/time.Microsecond), 1))
		_ = late.RecordValue(max(int64(f.Late/time.Microsecond), 1))
		if f.Late > time.Millisecond {
			s.Late++
		}
		s.Bound = max(s.Bound, f.Bound)
		switch f.TokenSeen {
		case "batch":
			s.TokensSeen++
		case "other":
			s.Mismatch++
		}
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	if h.TotalCount() > 0 {
		s.P50, s.P90, s.P99, s.Max = us(h.ValueAtQuantile(50)), us(h.ValueAtQuantile(90)), us(h.ValueAtQuantile(99)), us(h.Max())
		s.LateP99 = us(late.ValueAtQuantile(99))
	}
	return s
}

func (s Summary) String() string {
	return fmt.Sprintf("%d files (%d lost): delay p50 %s p90 %s p99 %s max %s ± %s; %d sent late (p99 %s); token shown in its batch for %d, elsewhere for %d",
		s.Files, s.Lost, rnd(s.P50), rnd(s.P90), rnd(s.P99), rnd(s.Max), s.Bound, s.Late, s.LateP99, s.TokensSeen, s.Mismatch)
}

func rnd(d time.Duration) time.Duration { return d.Round(time.Millisecond) }

// SummarizeRows is Summarize over delays.csv rows read back.
func SummarizeRows(rows []Row) Summary {
	files := make([]File, 0, len(rows))
	for _, r := range rows {
		f := File{Lost: r.Lost, TokenSeen: r.TokenSeen, Delay: msDur(r.DelayMS), Bound: msDur(r.BoundMS), Late: msDur(r.Stages[0])}
		files = append(files, f)
	}
	return Summarize(files)
}

func msDur(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// Quantiles returns the p-th percentiles (0–100) of values in
// milliseconds through an HDR histogram at microsecond resolution.
func Quantiles(valuesMS []float64, ps ...float64) []float64 {
	h := hdrhistogram.New(1, int64(time.Hour/time.Microsecond), 3)
	for _, v := range valuesMS {
		_ = h.RecordValue(max(int64(v*1000), 1))
	}
	out := make([]float64, len(ps))
	for i, p := range ps {
		if h.TotalCount() > 0 {
			out[i] = float64(h.ValueAtQuantile(p)) / 1000
		}
	}
	return out
}
