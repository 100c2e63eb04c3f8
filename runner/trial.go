package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

// trial runs one trial's phases. Teardown runs whatever happened before
// it, with a context of its own so that an interrupt still tears down.
func (r *run) trial(ctx context.Context, i int, tr spec.Trial) error {
	label := fmt.Sprintf("trial %d/%d %s", i+1, len(r.trials), paramsString(tr))
	_ = r.w.Event(results.Event{Type: results.EventTrialStart, Trial: tr.ID, Message: paramsString(tr)})
	ph := tr.Spec.Phases
	r.measureClocks(ctx, "trial start", tr.ID)
	defer r.measureClocks(context.Background(), "trial end", tr.ID)
	drv, cluster, err := r.driver(tr)
	var wl workload
	var closeAfterTeardown []io.Closer
	defer func() {
		for _, c := range closeAfterTeardown {
			c.Close()
		}
	}()
	if err == nil {
		wl, err = r.workload(tr)
	}

	if err == nil {
		err = r.phase(ctx, tr, label, "setup", 0, ph.Setup.Timeout, func(ctx context.Context) error {
			if drv != nil {
				if err := r.setUpOrchestrator(ctx, tr, drv, cluster); err != nil {
					return err
				}
			}
			if wl == nil {
				return nil
			}
			if su, ok := wl.(servicesUser); ok && tr.Spec.Orchestrator.Kind == spec.KindSwarm {
				mgr, err := r.prepareStack(ctx, tr, su)
				if err != nil {
					return err
				}
				defer func() { closeAfterTeardown = append(closeAfterTeardown, mgr) }()
			}
			err := wl.Setup(ctx)
			if drv != nil {
				// Names the workload's containers for the report.
				r.recordWorkloads(ctx, tr, "setup", drv)
			}
			return err
		})
	}
	if err == nil {
		err = r.phase(ctx, tr, label, "settle", ph.Settle.Length(r.cfg.Quick), 0, nil)
	}
	if err == nil {
		length := ph.Measure.Length(r.cfg.Quick)
		err = r.phase(ctx, tr, label, "measure", length, 0, func(ctx context.Context) error {
			if wl == nil {
				return nil
			}
			return wl.Measure(ctx, length)
		})
	}
	if err != nil {
		if ctx.Err() != nil {
			_ = r.w.Event(results.Event{Type: results.EventInterrupt, Trial: tr.ID, Message: "interrupted: tearing down"})
			r.printf("interrupted: tearing down %s", label)
		} else {
			_ = r.w.Event(results.Event{Type: results.EventError, Trial: tr.ID, Message: err.Error()})
			r.printf("error: %v: tearing down", err)
		}
	}
	terr := r.phase(context.Background(), tr, label, "teardown", 0, ph.Teardown.Timeout, func(ctx context.Context) error {
		if drv != nil {
			r.recordWorkloads(ctx, tr, "teardown", drv)
		}
		var werr error
		if wl != nil {
			werr = wl.Teardown(ctx)
		}
		if drv == nil {
			return werr
		}
		return errors.Join(werr, drv.Teardown(ctx))
	})
	r.tl.enter(time.Now(), "", phaseBetween)
	_ = r.w.Event(results.Event{Type: results.EventTrialEnd, Trial: tr.ID})
	if err != nil {
		return errors.Join(err, terr)
	}
	return terr
}

// phase runs one phase: the driver's part (fn), then the spec's steps for
// the phase, then waits out length (settle, measure). A phase with a
// timeout fails when it is exceeded.
func (r *run) phase(ctx context.Context, tr spec.Trial, label, name string, length, timeout time.Duration, fn func(context.Context) error) error {
	start := time.Now()
	r.tl.enter(start, tr.ID, name)
	r.setCurrent(label+" "+name, length)
	_ = r.w.Event(results.Event{Type: results.EventPhaseStart, Trial: tr.ID, Phase: name})
	r.printf("%s: %s%s", label, name, lengthNote(length, timeout))
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if timeout > 0 {
		pctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	err := r.phaseWork(pctx, tr, name, length, fn)
	if err != nil && timeout > 0 && errors.Is(pctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("%s: phase %s exceeded its timeout of %s: %w", tr.ID, name, timeout, err)
	}
	end := time.Now()
	r.recordPhase(tr.ID, name, start, end)
	if serr := r.w.Sync(); serr != nil {
		_ = r.w.Event(results.Event{Type: results.EventError, Trial: tr.ID, Phase: name, Message: serr.Error()})
	}
	ev := results.Event{Type: results.EventPhaseEnd, Trial: tr.ID, Phase: name, Data: map[string]any{"seconds": end.Sub(start).Seconds()}}
	if err != nil {
		ev.Message = err.Error()
	}
	_ = r.w.Event(ev)
	return err
}

func (r *run) phaseWork(ctx context.Context, tr spec.Trial, name string, length time.Duration, fn func(context.Context) error) error {
	deadline := time.Now().Add(length)
	// Teardown runs every step it can: a failed driver teardown or step
	// group does not skip the rest, and every error is reported.
	keepGoing := name == "teardown"
	var errs []error
	if fn != nil {
		if err := fn(ctx); err != nil {
			if !keepGoing {
				return err
			}
			errs = append(errs, err)
		}
	}
	// A sampled phase (settle, measure) is a window of fixed length: its
	// steps run inside it and are cut at its end, never lengthening it.
	sctx := ctx
	if length > 0 {
		var cancel context.CancelFunc
		sctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	if err := r.steps(sctx, tr, name, keepGoing); err != nil {
		if length > 0 && ctx.Err() == nil && errors.Is(sctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("%s: a step of %s did not finish within its %s window: %w", tr.ID, name, length, err)
		}
		return errors.Join(append(errs, err)...)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if wait := time.Until(deadline); wait > 0 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %s: %w", tr.ID, name, ctx.Err())
		case <-time.After(wait):
		}
	}
	return nil
}

// steps runs the spec's plain commands of a phase, each on every host
// with one of its roles, hosts in parallel. Output is kept in the events.
// A failing step group stops the later ones unless keepGoing.
func (r *run) steps(ctx context.Context, tr spec.Trial, phase string, keepGoing bool) error {
	var all []error
	for i, st := range tr.Spec.Steps {
		if st.Phase != phase {
			continue
		}
		name := st.Name
		if name == "" {
			name = fmt.Sprintf("steps[%d]", i)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		var errs []error
		for _, h := range r.hosts {
			if !hasAnyRole(h, st.Roles) {
				continue
			}
			wg.Add(1)
			go func(h *hostConn) {
				defer wg.Done()
				sctx, cancel := context.WithTimeout(ctx, st.Timeout)
				defer cancel()
				var out transport.Tail
				began := time.Now()
				err := h.t.Run(sctx, transport.Cmd{Args: st.Run, Stdout: &out, Stderr: &out})
				secs := time.Since(began).Seconds()
				ev := results.Event{Type: results.EventInfo, Trial: tr.ID, Phase: phase, Host: h.name,
					Message: "step " + name, Data: map[string]any{"args": st.Run, "output": out.String(), "seconds": secs}}
				if err == nil {
					r.adapt.stepped(tr.ID, phase, name, h.name, secs)
				}
				if err != nil {
					ev.Type, ev.Message = results.EventError, fmt.Sprintf("step %s: %v", name, err)
					if !st.IgnoreError {
						mu.Lock()
						errs = append(errs, fmt.Errorf("step %s on %s: %w", name, h.name, err))
						mu.Unlock()
					}
				}
				_ = r.w.Event(ev)
			}(h)
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			if !keepGoing {
				return err
			}
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

func paramsString(tr spec.Trial) string {
	var parts []string
	for _, ax := range tr.Spec.Matrix {
		parts = append(parts, ax.Key+"="+tr.Params[ax.Key])
	}
	if tr.Spec.Repeat > 1 || tr.Spec.Until != nil || tr.Repeat > 1 {
		parts = append(parts, fmt.Sprintf("repeat=%d", tr.Repeat))
	}
	if len(parts) == 0 {
		return tr.ID
	}
	return strings.Join(parts, " ")
}

func lengthNote(length, timeout time.Duration) string {
	switch {
	case length > 0:
		return " for " + length.String()
	case timeout > 0:
		return " (timeout " + timeout.String() + ")"
	}
	return ""
}

// recordPhase writes a phase's actual start and end into the manifest.
func (r *run) recordPhase(trial, phase string, start, end time.Time) {
	_ = r.w.UpdateManifest(func(m *results.Manifest) {
		for i := range m.Trials {
			if m.Trials[i].ID != trial {
				continue
			}
			for j := range m.Trials[i].Phases {
				if p := &m.Trials[i].Phases[j]; p.Name == phase {
					p.Start, p.End = start, end
				}
			}
		}
	})
}
