// Package orchestrator is the boundary between the runner and the
// orchestrators it sets up for a trial (Docker Swarm, Kubernetes). Each
// driver lives in a package of its own and passes the conformance suite in
// orchestratortest; the runner picks one per trial by orchestrator.kind.
package orchestrator

import (
	"context"

	"github.com/edgerig/edgerig/transport"
)

// Node is one host of the cluster as a driver sees it.
type Node struct {
	// Name is the host's inventory name; errors and records use it.
	Name string
	// Addr is the address the other nodes reach this one at; "" for a
	// single-host run on this machine.
	Addr string
	// T runs commands on the host (argv, quoted by the transport) and
	// copies files to it. A driver that needs the Docker Engine API dials
	// it through T when T is an engine.Dialer.
	T transport.Transport
}

// Cluster is the set of nodes one trial's orchestrator spans: one master
// (the control plane, or the Swarm manager) and its workers.
type Cluster struct {
	Master  Node
	Workers []Node
}

// Nodes returns the master followed by the workers.
func (c Cluster) Nodes() []Node { return append([]Node{c.Master}, c.Workers...) }

// Workload is one unit the orchestrator runs on a node: a Swarm task or a
// Kubernetes pod.
type Workload struct {
	Node      string // inventory name of the node it runs on
	Namespace string // Kubernetes namespace; "" for Swarm
	Name      string // pod name, or the Swarm service's task name
	Service   string // Swarm service or the pod's owner, when known
	State     string // as the orchestrator reports it (running, Pending, ...)
	// Containers are the full IDs of its containers on the node, so that
	// the probe's container series can be labelled with the workload.
	Containers []string
}

// Driver sets up and tears down one orchestrator across a cluster. Keep one
// per trial: Teardown removes only what this value's Setup made.
type Driver interface {
	// Setup first removes what an earlier, interrupted run of the same
	// driver left on the nodes (so a run killed halfway through set-up is
	// cleaned up by the next one), then installs, initialises and joins.
	// It records what it is about to create before creating it, so that
	// Teardown can remove it even when Setup fails or is cancelled.
	Setup(ctx context.Context, c Cluster) error
	// Ready blocks until the cluster is ready for the experiment, as the
	// driver defines it, or ctx ends (ctx carries the deadline).
	Ready(ctx context.Context) error
	// Teardown removes everything Setup made. It runs every step it can,
	// even after one fails, and returns every error, naming what was left
	// behind on which node.
	Teardown(ctx context.Context) error
	// List reports what runs on the cluster now.
	List(ctx context.Context) ([]Workload, error)
}
