package swarm

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/docker/docker/api/types/swarm"

	"github.com/edgerig/edgerig/orchestrator"
)

// List reports the swarm's tasks that are meant to run, each on the node
// (by inventory name) that runs it, with its service and container.
func (d *Driver) List(ctx context.Context) ([]orchestrator.Workload, error) {
	if len(d.nodes) == 0 {
		return nil, errors.New("swarm: List before Setup")
	}
	// Swarm node IDs are mapped to inventory names through each engine's
	// own view: a host's name in the inventory need not be its hostname.
	names := map[string]string{}
	for _, n := range d.nodes {
		info, err := n.docker.Info(ctx)
		if err != nil {
			return nil, fmt.Errorf("swarm: %s: docker info: %w", n.name, err)
		}
		if info.Swarm.NodeID != "" {
			names[info.Swarm.NodeID] = n.name
		}
	}
	master := d.nodes[0]
	services, err := master.docker.ServiceList(ctx, swarm.ServiceListOptions{})
	if err != nil {
		return nil, fmt.Errorf("swarm: %s: service list: %w", master.name, err)
	}
	svc := map[string]string{}
	for _, s := range services {
		svc[s.ID] = s.Spec.Name
	}
	tasks, err := master.docker.TaskList(ctx, swarm.TaskListOptions{})
	if err != nil {
		return nil, fmt.Errorf("swarm: %s: task list: %w", master.name, err)
	}
	var out []orchestrator.Workload
	for _, t := range tasks {
		if t.DesiredState != swarm.TaskStateRunning {
			continue
		}
		out = append(out, workload(t, svc[t.ServiceID], names))
	}
	return out, nil
}

// workload describes one task; the name is the one docker service ps shows
// (service.slot for a replicated service, service.nodeid for a global one).
func workload(t swarm.Task, service string, names map[string]string) orchestrator.Workload {
	suffix := t.NodeID
	if t.Slot > 0 {
		suffix = strconv.Itoa(t.Slot)
	}
	node := names[t.NodeID]
	if node == "" {
		node = t.NodeID // a node outside the cluster given to Setup
	}
	w := orchestrator.Workload{Node: node, Name: service + "." + suffix, Service: service, State: string(t.Status.State)}
	if cs := t.Status.ContainerStatus; cs != nil && cs.ContainerID != "" {
		w.Containers = []string{cs.ContainerID}
	}
	return w
}
