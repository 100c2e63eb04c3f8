package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/engine"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/workload/install"
	"github.com/edgerig/edgerig/workload/stack"
	"github.com/edgerig/edgerig/workload/wordcount"
)

// ServiceImages finds or builds, in this machine's Docker engine, the
// image the word count's Swarm services run, and saves it for loading onto
// the hosts (no host pulls from a registry).
type ServiceImages interface {
	// Ensure returns the image for an architecture (uname -m of the
	// hosts) and where it holds the jars, PySpark and the job.
	Ensure(ctx context.Context, arch string) (ref string, paths install.Paths, err error)
	ImageSave(ctx context.Context, refs []string, opts ...client.ImageSaveOption) (io.ReadCloser, error)
}

// servicesUser is a workload that can run as the services of a stack.
type servicesUser interface {
	UseServices(wordcount.Services)
}

// prepareStack readies the word count's Swarm stack once the swarm is up:
// the image for the hosts' architecture, loaded onto every host, and each
// host's swarm node ID for placement. It returns the manager's Engine API
// client, which the stack uses until the trial's teardown is over; the
// caller closes it then.
func (r *run) prepareStack(ctx context.Context, tr spec.Trial, wl servicesUser) (mgr io.Closer, err error) {
	if r.cfg.Images == nil {
		return nil, fmt.Errorf("trial %s: the word count as Swarm services needs its image, and this runner was given no way to build it", tr.ID)
	}
	var manager *client.Client
	defer func() {
		if err != nil && manager != nil {
			manager.Close()
		}
	}()
	o := tr.Spec.Orchestrator
	var master *hostConn
	ids := map[string]string{}
	arch := ""
	var targets []stack.Target
	for _, h := range r.hosts {
		isMaster := hasAnyRole(h, []string{o.MasterRole})
		if !isMaster && !hasAnyRole(h, []string{o.WorkerRole}) {
			continue
		}
		if arch == "" {
			arch = h.facts.Arch
		} else if h.facts.Arch != arch {
			return nil, fmt.Errorf("trial %s: the word count's image is built for one architecture, and the swarm mixes %s and %s (%s): use hosts of one architecture", tr.ID, arch, h.facts.Arch, h.name)
		}
		dl, ok := h.t.(engine.Dialer)
		if !ok {
			return nil, fmt.Errorf("trial %s: %s: its transport cannot reach the Docker Engine API", tr.ID, h.name)
		}
		cli, err := engine.New(dl)
		if err != nil {
			return nil, fmt.Errorf("trial %s: %s: %w", tr.ID, h.name, err)
		}
		info, err := cli.Info(ctx)
		if err == nil && info.Swarm.NodeID == "" {
			err = errors.New("not in the swarm")
		}
		if isMaster {
			master, manager = h, cli
		} else {
			cli.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("trial %s: %s: swarm node ID: %w", tr.ID, h.name, err)
		}
		ids[h.name] = info.Swarm.NodeID
		targets = append(targets, stack.Target{Name: h.name, T: h.t})
	}
	if master == nil {
		return nil, fmt.Errorf("trial %s: no host has the master role %q", tr.ID, o.MasterRole)
	}
	r.printf("word count as Swarm services: making the %s image (built once, then cached)", arch)
	ref, paths, err := r.cfg.Images.Ensure(ctx, arch)
	if err != nil {
		return nil, fmt.Errorf("trial %s: the word count's image: %w", tr.ID, err)
	}
	if err := stack.Load(ctx, r.cfg.Images, ref, targets, r.cfg.Progress); err != nil {
		return nil, fmt.Errorf("trial %s: %w", tr.ID, err)
	}
	wl.UseServices(wordcount.Services{Stack: stack.New(manager, stackName(tr.ID), ref), Paths: paths, NodeIDs: ids})
	return manager, nil
}

// stackName is the trial's stack namespace: edgerig-wc-TRIAL.
func stackName(trial string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(trial) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return "edgerig-wc-" + b.String()
}
