package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/edgerig/edgerig/delay"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/workload/wordcount"
)

// workload is a trial's workload as the runner drives it: started in
// setup, driven through measure, always stopped in teardown.
type workload interface {
	Setup(ctx context.Context) error
	Measure(ctx context.Context, length time.Duration) error
	Teardown(ctx context.Context) error
}

// checkWorkload refuses a workload this runner cannot drive, or whose
// roles no host of the testbed has.
func checkWorkload(tr spec.Trial, hosts []inventory.Host, testbed string) error {
	w := tr.Spec.Workload
	if w == nil {
		return nil
	}
	o := tr.Spec.Orchestrator
	switch {
	case w.Kind != spec.WorkloadWordCount:
		return fmt.Errorf("trial %s: workload %q is not supported by this runner yet: refusing rather than measuring an idle cluster under its name", tr.ID, w.Kind)
	case o.Kind != spec.KindNone && o.Kind != "" && o.Kind != spec.KindSwarm:
		return fmt.Errorf("trial %s: workload wordcount runs as processes on the hosts (orchestrator: none) or as the services of a Swarm stack (orchestrator: swarm); under orchestrator %q it is not supported yet", tr.ID, o.Kind)
	}
	if o.Kind == spec.KindSwarm {
		// As services, the job's driver runs on a node of the swarm.
		for _, h := range inventory.WithRole(hosts, w.DriverRole) {
			if !inventory.HasRole(h, o.MasterRole) && !inventory.HasRole(h, o.WorkerRole) {
				return fmt.Errorf("trial %s: workload wordcount as Swarm services: the Spark driver's host %s (role %q) is not a node of the swarm: give it role %q or %q", tr.ID, h.Name, w.DriverRole, o.MasterRole, o.WorkerRole)
			}
		}
	}
	for _, need := range []struct {
		what, role string
		one        bool
	}{
		{"the NameNode and Spark master (orchestrator.master_role)", o.MasterRole, true},
		{"the DataNodes and Spark workers (orchestrator.worker_role)", o.WorkerRole, false},
		{"the Spark driver (workload.driver_role)", w.DriverRole, true},
		{"the submitters (workload.collectors_role)", w.CollectorsRole, false},
	} {
		n := len(inventory.WithRole(hosts, need.role))
		if n == 0 || need.one && n > 1 {
			want := "at least one host"
			if need.one {
				want = "exactly one host"
			}
			return fmt.Errorf("trial %s: workload wordcount: %s needs %s with role %q in testbed %q, found %d", tr.ID, need.what, want, need.role, testbed, n)
		}
	}
	return nil
}

// workload builds the trial's workload, or nil for none.
func (r *run) workload(tr spec.Trial) (workload, error) {
	w := tr.Spec.Workload
	if w == nil {
		return nil, nil
	}
	var hosts []wordcount.Host
	for _, h := range r.hosts {
		addr := h.host.Address
		if h.host.Local {
			addr = "127.0.0.1"
		}
		off, bound := h.clock.latest()
		if bound == 0 {
			bound = h.facts.ClockError
		}
		hosts = append(hosts, wordcount.Host{Name: h.name, T: h.t, Addr: addr, Local: h.host.Local, Roles: h.host.Roles,
			Clock: delay.Clock{Offset: off, Bound: bound}})
	}
	wc, err := wordcount.New(wordcount.Config{
		Workload:   *w,
		Trial:      tr.ID,
		Hosts:      hosts,
		MasterRole: tr.Spec.Orchestrator.MasterRole,
		WorkerRole: tr.Spec.Orchestrator.WorkerRole,
		RemoteDir:  r.cfg.RemoteDir,
		OutDir:     r.w.Dir(),
		Event:      func(e results.Event) { _ = r.w.Event(e) },
		Progress:   r.cfg.Progress,
	})
	if err != nil {
		return nil, fmt.Errorf("trial %s: %w", tr.ID, err)
	}
	return wc, nil
}
