package delay

import (
	"sort"
	"time"

	"github.com/edgerig/edgerig/workload/submit"
)

// Clock is a host's clock as measured by the runner: Offset = host −
// runner, the true offset within Offset ± Bound.
type Clock struct {
	Offset, Bound time.Duration
}

// toRunner maps a time read on this host's clock to the runner's. The
// monotonic reading is dropped: every stage is a difference of wall clock
// times, so that the stages sum exactly to the delay.
func (c Clock) toRunner(t time.Time) time.Time { return t.Round(0).Add(-c.Offset) }

// File is one submitted file's fate: every stage on the runner's clock.
// Stages sum to Delay exactly; a lost file has Lost set and no stages.
type File struct {
	Collector string
	Seq       int
	Name      string
	Token     string
	Intended  time.Time
	Batch     time.Time // the batch time that picked it up (runner clock)

	Late, CreateWrite, Rename, BatchWait, Queue, Execution, Printing time.Duration
	Delay                                                            time.Duration
	Bound                                                            time.Duration // the delay is true within ± Bound
	// TokenSeen: "batch" when pprint showed the token in its batch,
	// "other" when in another batch (a mismatch), "" when not shown.
	TokenSeen string
	Lost      string // why the file has no delay, empty when it has one
	// InDir says the file reached the watched directory (RENAME true).
	InDir bool
}

// Submitted is one collector's records, times on that collector's clock.
type Submitted struct {
	Collector string
	Clock     Clock
	Records   []submit.Record
}

// Compute accounts for every submitted file once: its delay and stages,
// or why it is lost. driver is the clock of the host the job's output was
// stamped on; final says the job has ended (or the wait for output is
// over), so a file not yet printed is lost rather than pending.
func Compute(subs []Submitted, batches []Batch, driver Clock) []File {
	where := map[string]*Batch{} // file name → first batch listing it
	seen := map[string]time.Time{}
	for i := range batches {
		b := &batches[i]
		for _, f := range b.Files {
			if _, ok := where[f]; !ok {
				where[f] = b
			}
		}
		for _, w := range b.Words {
			if _, ok := seen[w]; !ok {
				seen[w] = b.Time
			}
		}
	}
	var out []File
	for _, s := range subs {
		for _, r := range s.Records {
			out = append(out, one(s, r, where, seen, driver))
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Intended.Before(out[j].Intended) })
	return out
}

func one(s Submitted, r submit.Record, where map[string]*Batch, seen map[string]time.Time, driver Clock) File {
	c := s.Clock
	f := File{Collector: s.Collector, Seq: r.Seq, Name: r.Name, Token: r.Token, Intended: c.toRunner(r.Intended)}
	if r.Err != "" {
		f.Lost = "not submitted: " + r.Err
		return f
	}
	f.InDir = true
	b, ok := where[r.Name]
	if !ok {
		f.Lost = "renamed into the watched directory but no batch of the job listed it"
		return f
	}
	if b.PrintEnd.IsZero() {
		f.Lost = "listed by batch " + b.Time.UTC().Format("15:04:05.000") + " whose output was never printed"
		return f
	}
	if t, ok := seen[r.Token]; ok {
		f.TokenSeen = "other"
		if t.Equal(b.Time) {
			f.TokenSeen = "batch"
		}
	}
	sent, created, renamed := c.toRunner(r.Sent), c.toRunner(r.Created), c.toRunner(r.Renamed)
	bt := driver.toRunner(b.Time)
	start := bt
	if b.HaveDelay {
		start = bt.Add(b.Total - b.Exec)
	}
	ps, pe := driver.toRunner(b.PrintStart), driver.toRunner(b.PrintEnd)
	f.Batch = bt
	f.Late = sent.Sub(f.Intended)
	f.CreateWrite = created.Sub(sent)
	f.Rename = renamed.Sub(created)
	f.BatchWait = bt.Sub(renamed)
	f.Queue = start.Sub(bt)
	f.Execution = ps.Sub(start)
	f.Printing = pe.Sub(ps)
	f.Delay = pe.Sub(f.Intended)
	f.Bound = c.Bound + driver.Bound
	return f
}
