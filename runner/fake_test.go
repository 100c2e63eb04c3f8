package runner

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

// fakeHost is a hand-written stand-in for a host reached over a
// transport, with a probe that behaves like edgerig-probe as the runner
// drives it (place, daemon, tail, stop) without running anything. Samples
// are made from the host's clock (runner clock + offset) at the spec's
// interval, so a test knows exactly which ones the run must keep.
//
// It is scriptable: a rule fails, or hangs until cancelled, every command
// whose arguments contain a word; cutAfter ends the first tail after that
// many records. It is for fast unhappy-path tests; the runner's tests
// with the real probe and transports are the proof that the real parts
// work.
type fakeHost struct {
	name     string
	interval time.Duration

	mu       sync.Mutex
	offset   func(time.Time) time.Duration // host clock − runner clock at a runner time
	placed   map[string]bool
	started  time.Time // daemon start, zero when never started
	stopped  time.Time // daemon stop, zero while running
	running  int       // commands in flight
	fail     map[string]error
	hang     map[string]chan struct{} // closed when a command hangs: the test may act
	cutAfter int
	ran      [][]string
	takes    map[string][]time.Duration // per word: how long each successive command takes
}

func newFakeHost(name string, interval time.Duration) *fakeHost {
	return &fakeHost{name: name, interval: interval, placed: map[string]bool{},
		offset: func(time.Time) time.Duration { return 0 },
		fail:   map[string]error{}, hang: map[string]chan struct{}{}, takes: map[string][]time.Duration{}}
}

// takeTimes makes the successive commands containing word take ds, one
// each in order (then no time).
func (f *fakeHost) takeTimes(word string, ds ...time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.takes[word] = ds
}

// failOn makes every command containing word fail.
func (f *fakeHost) failOn(word string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[word] = &transport.ExitError{Host: f.name, Args: []string{word}, Code: 1, Stderr: "scripted failure"}
}

// hangOn makes every command containing word hang until cancelled; the
// returned channel is closed when the first one starts hanging.
func (f *fakeHost) hangOn(word string) <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan struct{})
	f.hang[word] = ch
	return ch
}

func (f *fakeHost) Run(ctx context.Context, c transport.Cmd) error {
	f.mu.Lock()
	f.running++
	f.ran = append(f.ran, slices.Clone(c.Args))
	var hang chan struct{}
	var fail error
	for word, err := range f.fail {
		if slices.Contains(c.Args, word) {
			fail = err
		}
	}
	for word, ch := range f.hang {
		if slices.Contains(c.Args, word) {
			hang = ch
		}
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.running--
		f.mu.Unlock()
	}()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if hang != nil {
		f.mu.Lock()
		select {
		case <-hang:
		default:
			close(hang)
		}
		f.mu.Unlock()
		<-ctx.Done()
		return ctx.Err()
	}
	if fail != nil {
		return fail
	}
	f.mu.Lock()
	var take time.Duration
	for word, ds := range f.takes {
		if slices.Contains(c.Args, word) && len(ds) > 0 {
			take, f.takes[word] = ds[0], ds[1:]
		}
	}
	f.mu.Unlock()
	if take > 0 {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(take):
		}
	}
	if len(c.Args) < 2 || !strings.Contains(c.Args[0], "edgerig-probe") {
		if c.Args[0] == "test" {
			f.mu.Lock()
			defer f.mu.Unlock()
			if !f.placed[c.Args[len(c.Args)-1]] {
				return &transport.ExitError{Host: f.name, Args: c.Args, Code: 1}
			}
		}
		return nil
	}
	switch c.Args[1] {
	case "daemon":
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.started.IsZero() && f.stopped.IsZero() {
			return &transport.ExitError{Host: f.name, Args: c.Args, Code: 1, Stderr: "already running"}
		}
		f.started, f.stopped = time.Now(), time.Time{}
		return nil
	case "stop":
		f.mu.Lock()
		defer f.mu.Unlock()
		if !f.started.IsZero() && f.stopped.IsZero() {
			f.stopped = time.Now()
		}
		return nil
	case "tail":
		return f.tail(ctx, c)
	}
	return fmt.Errorf("fake %s: unknown probe command %v", f.name, c.Args)
}

// produced is how many records the daemon has written by runner time at.
func (f *fakeHost) produced(at time.Time) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.started.IsZero() {
		return 0
	}
	if !f.stopped.IsZero() && at.After(f.stopped) {
		at = f.stopped
	}
	if at.Before(f.started) {
		return 0
	}
	return uint64(at.Sub(f.started)/f.interval) + 1
}

func (f *fakeHost) record(seq uint64) []byte {
	f.mu.Lock()
	at := f.started.Add(time.Duration(seq-1) * f.interval)
	off := f.offset(at)
	f.mu.Unlock()
	b, _ := sample.Encode(sample.Record{Seq: seq, TimeMS: at.Add(off).UnixMilli(), Series: []sample.Series{
		{Kind: sample.KindHost, Values: map[string]float64{sample.CPUPct: float64(seq)}}}})
	return append(b, '\n')
}

// tail writes records after --resume-from as the daemon makes them, and
// returns once stdin is closed and it has written all there are.
func (f *fakeHost) tail(ctx context.Context, c transport.Cmd) error {
	next := uint64(1)
	if i := slices.Index(c.Args, "--resume-from"); i > 0 {
		n, _ := strconv.ParseUint(c.Args[i+1], 10, 64)
		next = n + 1
	}
	closed := make(chan struct{})
	if c.Stdin != nil {
		go func() { _, _ = io.Copy(io.Discard, c.Stdin); close(closed) }()
	}
	sent := 0
	tick := time.NewTicker(f.interval / 4)
	defer tick.Stop()
	for {
		last := false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			last = true
		case <-tick.C:
		}
		for ; next <= f.produced(time.Now()); next++ {
			f.mu.Lock()
			cut := f.cutAfter > 0 && sent == f.cutAfter
			if cut {
				f.cutAfter = 0
			}
			f.mu.Unlock()
			if cut {
				return fmt.Errorf("fake %s: connection cut", f.name)
			}
			if _, err := c.Stdout.Write(f.record(next)); err != nil {
				return err
			}
			sent++
		}
		if last {
			return nil
		}
	}
}

func (f *fakeHost) Copy(_ context.Context, _, dst string, _ os.FileMode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.placed[dst] = true
	return nil
}

func (f *fakeHost) Close() error { return nil }

// requireQuiet checks that nothing is left running on the host: no probe
// daemon and no command in flight.
func (f *fakeHost) requireQuiet(t *testing.T) {
	t.Helper()
	require.Eventually(t, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.running == 0
	}, 5*time.Second, 10*time.Millisecond, "%s: a command is still running", f.name)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.True(t, f.started.IsZero() || !f.stopped.IsZero(), "%s: probe daemon left running", f.name)
}

// fakeBed is a testbed of fake hosts and the Config that runs a spec on it.
type fakeBed struct {
	hosts map[string]*fakeHost
	cfg   Config
}

func newFakeBed(t *testing.T, specText string, names ...string) *fakeBed {
	t.Helper()
	s, err := spec.Parse("test.yaml", []byte(specText))
	require.NoError(t, err)
	probesDir := t.TempDir()
	require.NoError(t, os.WriteFile(probesDir+"/edgerig-probe-linux-amd64", []byte("fake probe"), 0o755))
	b := &fakeBed{hosts: map[string]*fakeHost{}}
	var hosts []inventory.Host
	for i, n := range names {
		b.hosts[n] = newFakeHost(n, s.Probe.Interval)
		role := "worker"
		if i == 0 {
			role = "master"
		}
		hosts = append(hosts, inventory.Host{Name: n, Address: n, Roles: []string{role}})
	}
	b.cfg = Config{
		Spec: s, Testbed: "fake", Hosts: hosts, OutDir: t.TempDir(), ProbesDir: probesDir,
		RemoteDir: "/fake/agent",
		Connect: func(_ context.Context, h inventory.Host) (transport.Transport, error) {
			return b.hosts[h.Name], nil
		},
		Facts: func(context.Context, transport.Transport) (results.HostFacts, error) {
			return results.HostFacts{Arch: "x86_64"}, nil
		},
		Clock: func(ctx context.Context, tr transport.Transport, _ string) (time.Duration, time.Duration, error) {
			f := tr.(*fakeHost)
			if err := f.Run(ctx, transport.Cmd{Args: []string{"clock"}}); err != nil {
				return 0, 0, err
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			return f.offset(time.Now()), time.Millisecond, nil
		},
	}
	return b
}

// run runs the spec under a deadline: a hang fails the test instead of
// blocking it.
func (b *fakeBed) run(t *testing.T, ctx context.Context) (*results.Run, error) {
	t.Helper()
	type out struct {
		dir string
		err error
	}
	done := make(chan out, 1)
	go func() {
		dir, err := Run(ctx, b.cfg)
		done <- out{dir, err}
	}()
	select {
	case o := <-done:
		require.NotEmpty(t, o.dir, "run directory: %v", o.err)
		r, err := results.Read(o.dir)
		require.NoError(t, err)
		for _, f := range b.hosts {
			f.requireQuiet(t)
		}
		return r, o.err
	case <-time.After(20 * time.Second):
		t.Fatal("runner.Run did not return within 20 s")
		return nil, nil
	}
}

// requireAllSamples checks that the run kept every record each probe made.
func (b *fakeBed) requireAllSamples(t *testing.T, r *results.Run) {
	t.Helper()
	for name, f := range b.hosts {
		n := f.produced(time.Now())
		var seqs []uint64
		for _, row := range r.Samples[name] {
			seqs = append(seqs, row.Seq)
		}
		require.Len(t, seqs, int(n), "%s: every sample kept", name)
		for i, s := range seqs {
			require.Equal(t, uint64(i+1), s, "%s: samples in order, no gap", name)
		}
	}
}

func eventTypes(r *results.Run, typ string) []results.Event {
	var es []results.Event
	for _, e := range r.Events {
		if e.Type == typ {
			es = append(es, e)
		}
	}
	return es
}
