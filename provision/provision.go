package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/transport"
)

// State is what happened to one requirement on one host.
type State string

// States, as Ansible reports them: a check finds ok or missing; applying
// leaves ok (already true), changed or failed; --check reports a missing
// requirement as would-change.
const (
	StateOK          State = "ok"
	StateMissing     State = "missing"
	StateChanged     State = "changed"
	StateFailed      State = "failed"
	StateWouldChange State = "would change"
)

// Action is one requirement's outcome on one host.
type Action struct {
	Requirement string
	State       State
	Found       string // what Check found
	Err         error  // why it failed
}

// HostResult is every action on one host; Err is set when the host could
// not be reached or learned at all (then Actions is empty).
type HostResult struct {
	Host     string
	Actions  []Action
	Rebooted bool
	Err      error
}

// Options configure Provision.
type Options struct {
	// Connect opens a transport to a host (again after a reboot).
	Connect func(ctx context.Context, h inventory.Host) (transport.Transport, error)
	// CheckOnly changes nothing: missing requirements are reported as
	// StateWouldChange.
	CheckOnly bool
	// Parallel bounds how many hosts are worked on at once; 8 when zero.
	Parallel int
	// RebootTimeout bounds the wait for SSH after a reboot; 10 min when zero.
	RebootTimeout time.Duration
	// PollEvery is how often a rebooting host is tried; 5 s when zero.
	PollEvery time.Duration
	// Progress receives a line per action and reboot progress (stderr).
	Progress io.Writer
}

// Check checks every host's requirements over already open transports
// (ts[i] reaches hosts[i]) and changes nothing: the runner's check before
// set-up. A missing requirement is StateMissing.
func Check(ctx context.Context, p Plan, hosts []inventory.Host, ts []transport.Transport) []HostResult {
	hs := make([]*Host, len(hosts))
	res := make([]HostResult, len(hosts))
	learn(ctx, p, hosts, hs, res, func(_ context.Context, i int) (runner, error) { return ts[i], nil }, 16)
	transport.Each(ctx, len(hosts), 16, func(ctx context.Context, i int) error {
		if res[i].Err == nil {
			res[i].Actions = checkAll(ctx, hs[i], p.Needs[hosts[i].Name])
		}
		return nil
	})
	return res
}

// learn connects to and learns every host, then records their host
// names so that uniqueness can be judged across the testbed.
func learn(ctx context.Context, p Plan, hosts []inventory.Host, hs []*Host, res []HostResult, open func(context.Context, int) (runner, error), limit int) {
	errs := transport.Each(ctx, len(hosts), limit, func(ctx context.Context, i int) error {
		t, err := open(ctx, i)
		if err != nil {
			return fmt.Errorf("connect: %w", err)
		}
		hs[i] = NewHost(hosts[i].Name, t)
		if err := hs[i].Learn(ctx); err != nil {
			return err
		}
		p.names.set(hosts[i].Name, hs[i].Hostname)
		return nil
	})
	for i, err := range errs {
		res[i].Host, res[i].Err = hosts[i].Name, err
	}
}

func checkAll(ctx context.Context, h *Host, rs []Requirement) []Action {
	var out []Action
	for _, r := range rs {
		f, err := r.Check(ctx, h)
		a := Action{Requirement: r.Name(), Found: f.Found}
		switch {
		case err != nil:
			a.State, a.Err = StateFailed, err
		case f.OK:
			a.State = StateOK
		default:
			a.State = StateMissing
		}
		out = append(out, a)
	}
	return out
}

// Provision makes every host's requirements true (or, with CheckOnly,
// lists what it would change), hosts in parallel. A host that fails goes
// on with its other requirements; other hosts are not held up.
func Provision(ctx context.Context, p Plan, hosts []inventory.Host, o Options) []HostResult {
	if o.Parallel <= 0 {
		o.Parallel = 8
	}
	if o.RebootTimeout <= 0 {
		o.RebootTimeout = 10 * time.Minute
	}
	if o.PollEvery <= 0 {
		o.PollEvery = 5 * time.Second
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	pr := &printer{w: o.Progress}
	hs := make([]*Host, len(hosts))
	res := make([]HostResult, len(hosts))
	conns := make([]transport.Transport, len(hosts))
	defer func() {
		for _, t := range conns {
			if t != nil {
				t.Close()
			}
		}
	}()
	learn(ctx, p, hosts, hs, res, func(ctx context.Context, i int) (runner, error) {
		t, err := o.Connect(ctx, hosts[i])
		conns[i] = t
		if t == nil { // keep the interface nil, not a typed nil
			return nil, err
		}
		return t, err
	}, o.Parallel)
	for _, r := range res {
		if r.Err != nil {
			pr.printf("%s: unreachable: %v", r.Host, r.Err)
		}
	}
	transport.Each(ctx, len(hosts), o.Parallel, func(ctx context.Context, i int) error {
		if res[i].Err != nil {
			return nil
		}
		w := &worker{o: o, pr: pr, host: hosts[i], h: hs[i], conn: &conns[i], p: p}
		res[i].Actions, res[i].Rebooted, res[i].Err = w.provision(ctx, p.Needs[hosts[i].Name])
		return nil
	})
	return res
}

// worker provisions one host.
type worker struct {
	o    Options
	pr   *printer
	host inventory.Host
	h    *Host
	conn *transport.Transport
	p    Plan
}

func (w *worker) provision(ctx context.Context, rs []Requirement) ([]Action, bool, error) {
	var acts []Action
	var afterReboot []int // actions whose change waits for the reboot
	for _, r := range rs {
		a := w.one(ctx, r)
		if a.State == "" { // applied; takes effect after a reboot
			a.State = StateChanged
			afterReboot = append(afterReboot, len(acts))
		}
		w.report(a)
		acts = append(acts, a)
	}
	if len(afterReboot) == 0 {
		return acts, false, nil
	}
	if err := w.reboot(ctx); err != nil {
		for _, i := range afterReboot {
			acts[i].State, acts[i].Err = StateFailed, fmt.Errorf("changed, but the reboot it needs failed: %w", err)
		}
		return acts, false, err
	}
	for _, i := range afterReboot {
		f, err := rs[indexOf(rs, acts[i].Requirement)].Check(ctx, w.h)
		acts[i].Found = f.Found
		switch {
		case err != nil:
			acts[i].State, acts[i].Err = StateFailed, err
		case !f.OK:
			acts[i].State, acts[i].Err = StateFailed, fmt.Errorf("still missing after the reboot: %s", f.Found)
		}
		w.pr.printf("%s: %s: %s after reboot (%s)", w.host.Name, acts[i].Requirement, acts[i].State, acts[i].Found)
	}
	return acts, true, nil
}

// one checks r and, unless it holds or this is a dry check, applies it
// and checks again. An empty State means applied, pending a reboot.
func (w *worker) one(ctx context.Context, r Requirement) Action {
	a := Action{Requirement: r.Name()}
	f, err := r.Check(ctx, w.h)
	a.Found = f.Found
	switch {
	case err != nil:
		a.State, a.Err = StateFailed, err
		return a
	case f.OK:
		a.State = StateOK
		return a
	case w.o.CheckOnly:
		a.State = StateWouldChange
		return a
	}
	reboot, err := r.Apply(ctx, w.h)
	if err != nil {
		a.State, a.Err = StateFailed, err
		return a
	}
	if err := w.h.Learn(ctx); err != nil {
		a.State, a.Err = StateFailed, err
		return a
	}
	if reboot {
		return a
	}
	f, err = r.Check(ctx, w.h)
	a.Found = f.Found
	switch {
	case err != nil:
		a.State, a.Err = StateFailed, err
	case !f.OK:
		a.State, a.Err = StateFailed, fmt.Errorf("still missing after applying it: %s", f.Found)
	default:
		a.State = StateChanged
	}
	return a
}

func (w *worker) report(a Action) {
	switch {
	case a.Err != nil:
		w.pr.printf("%s: %s: %s: %v", w.host.Name, a.Requirement, a.State, a.Err)
	case a.Found != "":
		w.pr.printf("%s: %s: %s (%s)", w.host.Name, a.Requirement, a.State, a.Found)
	default:
		w.pr.printf("%s: %s: %s", w.host.Name, a.Requirement, a.State)
	}
}

func indexOf(rs []Requirement, name string) int {
	for i, r := range rs {
		if r.Name() == name {
			return i
		}
	}
	return -1
}

// printer serialises progress lines from the hosts' goroutines.
type printer struct {
	mu sync.Mutex
	w  io.Writer
}

func (p *printer) printf(format string, args ...any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "edgerig: "+format+"\n", args...)
}

// errLocalReboot refuses to reboot the machine edgerig itself runs on.
var errLocalReboot = errors.New("the host is this machine: reboot it by hand, then run edgerig provision again")
