package runner

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/edgerig/edgerig/internal/cache"
	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/orchestrator/kubernetes"
	"github.com/edgerig/edgerig/orchestrator/kubernetes/binaries"
	"github.com/edgerig/edgerig/orchestrator/swarm"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
)

// driver builds the trial's orchestrator driver and the cluster it spans
// (the hosts with the master and worker roles), or a nil driver for none.
func (r *run) driver(tr spec.Trial) (orchestrator.Driver, orchestrator.Cluster, error) {
	o := tr.Spec.Orchestrator
	var d orchestrator.Driver
	switch {
	case r.cfg.testDriver != nil:
		d = r.cfg.testDriver()
	case o.Kind == spec.KindSwarm:
		d = swarm.New()
	case o.Kind == spec.KindKubernetes:
		var err error
		if d, err = kubernetesDriver(o.Kubernetes, r.cfg.Progress); err != nil {
			return nil, orchestrator.Cluster{}, fmt.Errorf("trial %s: %w", tr.ID, err)
		}
	default:
		return nil, orchestrator.Cluster{}, nil
	}
	var c orchestrator.Cluster
	for _, h := range r.hosts {
		isMaster := hasAnyRole(h, []string{o.MasterRole})
		if !isMaster && !hasAnyRole(h, []string{o.WorkerRole}) {
			continue
		}
		n := orchestrator.Node{Name: h.name, Addr: h.host.Address, T: h.t}
		if h.host.Local {
			n.Addr = ""
		}
		if isMaster {
			c.Master = n
		} else {
			c.Workers = append(c.Workers, n)
		}
	}
	return d, c, nil
}

// listTimeout bounds a List, so that an orchestrator that does not answer
// does not use up the teardown's time.
const listTimeout = 30 * time.Second

// kubernetesDriver picks the driver of a Kubernetes install method.
func kubernetesDriver(k spec.Kubernetes, progress io.Writer) (orchestrator.Driver, error) {
	switch k.Install {
	case spec.InstallK3s, spec.InstallKubeadm:
		return kubernetes.New(kubernetes.Config{Install: k.Install, Version: k.Version, Source: k.Source})
	case spec.InstallBinaries:
		// Built from the Go modules in fixtures/kubernetes on first use and
		// cached under $EDGERIG_CACHE (the build shows its progress).
		return binaries.New(binaries.Config{Version: k.Version, CacheDir: cache.Dir(), Progress: progress}), nil
	}
	return nil, fmt.Errorf("kubernetes install %q: unknown (binaries, k3s or kubeadm)", k.Install)
}

// setUpOrchestrator sets the trial's orchestrator up and waits until it is
// ready, both within the set-up phase's deadline (ctx), then records what
// runs on it.
func (r *run) setUpOrchestrator(ctx context.Context, tr spec.Trial, d orchestrator.Driver, c orchestrator.Cluster) error {
	if err := d.Setup(ctx, c); err != nil {
		return err
	}
	if err := d.Ready(ctx); err != nil {
		return err
	}
	r.recordWorkloads(ctx, tr, "setup", d)
	return nil
}

// recordWorkloads lists what runs on the orchestrator into one event, and
// one container event per workload container, so that the report labels
// container series with their Swarm service or Kubernetes pod and
// namespace even when the containers are not Docker's (containerd's CRI).
// A failed List is recorded, not fatal: the measurement does not need it.
func (r *run) recordWorkloads(ctx context.Context, tr spec.Trial, phase string, d orchestrator.Driver) {
	ctx, cancel := context.WithTimeout(ctx, listTimeout)
	defer cancel()
	ws, err := d.List(ctx)
	if err != nil {
		_ = r.w.Event(results.Event{Type: results.EventError, Trial: tr.ID, Phase: phase, Message: fmt.Sprintf("listing the orchestrator's workloads: %v", err)})
		return
	}
	var list []map[string]any
	for _, w := range ws {
		list = append(list, workloadData(w))
		for _, id := range w.Containers {
			data := workloadData(w)
			data["id"] = id
			delete(data, "containers")
			_ = r.w.Event(results.Event{Type: results.EventContainer, Trial: tr.ID, Phase: phase, Host: w.Node, Data: data})
		}
	}
	_ = r.w.Event(results.Event{Type: results.EventInfo, Trial: tr.ID, Phase: phase,
		Message: fmt.Sprintf("orchestrator runs %d workload(s)", len(ws)), Data: map[string]any{"workloads": list}})
}

// workloadData is a workload as event data, by the field names the report
// reads from container events (name, service, pod, namespace).
func workloadData(w orchestrator.Workload) map[string]any {
	data := map[string]any{"node": w.Node, "name": w.Name, "state": w.State}
	if w.Namespace != "" {
		data["namespace"], data["pod"] = w.Namespace, w.Name
	}
	if w.Service != "" {
		data["service"] = w.Service
	}
	if len(w.Containers) > 0 {
		data["containers"] = w.Containers
	}
	return data
}
