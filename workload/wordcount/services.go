package wordcount

import (
	"context"
	"fmt"

	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/workload/install"
	"github.com/edgerig/edgerig/workload/stack"
)

// Services runs HDFS, Spark and the job as the services of a Swarm stack
// (orchestrator swarm) instead of as processes: the same commands, in an
// image loaded onto every host, each pinned to the host the placement
// gives it.
type Services struct {
	Stack *stack.Stack
	// Paths are where the image holds the jars, PySpark and the job.
	Paths install.Paths
	// NodeIDs gives each host's swarm node ID, by host name.
	NodeIDs map[string]string
}

// UseServices makes Setup start everything as services of s. Call it
// before Setup.
func (w *Workload) UseServices(s Services) { w.svc = &s }

// prepareServices checks that every host is a node of the swarm and makes
// the trial's directory on each, which the services bind-mount: HDFS's
// configuration and data and the Spark workers' directories are there.
func (w *Workload) prepareServices(ctx context.Context) error {
	for _, h := range w.hosts() {
		if w.svc.NodeIDs[h.Name] == "" {
			return fmt.Errorf("wordcount: %s is not a node of the swarm (its role puts a service there): give it orchestrator.master_role or worker_role", h.Name)
		}
		if err := h.T.Run(ctx, transport.Cmd{Args: []string{"mkdir", "-p", w.dir}}); err != nil {
			return fmt.Errorf("wordcount: %s: %w", h.Name, err)
		}
	}
	return nil
}

// node is the stack node of a host; cpus > 0 limits its services' CPU.
func (w *Workload) node(h Host, cpus float64) stack.Node {
	return stack.Node{Name: h.Name, ID: w.svc.NodeIDs[h.Name], T: h.T, Mounts: []string{w.dir}, NanoCPUs: int64(cpus * 1e9)}
}

// as says how the parts run, for progress lines.
func (w *Workload) as() string {
	if w.svc == nil {
		return ""
	}
	return " as services of stack " + w.svc.Stack.Name()
}
