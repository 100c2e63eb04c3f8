// Package stack runs the word count's daemons as the services of a Docker
// Swarm stack: every command becomes a one-replica service pinned to one
// node, on that node's own network (host), with the trial's working
// directory bind-mounted at the same path. A Host offers what the hdfs,
// spark and daemon packages need of a host (Run and Copy), so they drive
// the services exactly as they drive processes: cancelling a Run removes
// its service.
//
// The services carry the label com.docker.stack.namespace, so that
// `docker stack ps NAME` on the manager shows them as one stack, and Remove
// sweeps every service of the stack, also those a run cut short left.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/errdefs"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/edgerig/edgerig/transport"
)

// NamespaceLabel is the label `docker stack` groups services by.
const NamespaceLabel = "com.docker.stack.namespace"

// Engine is what a stack needs of the swarm manager's Engine API.
type Engine interface {
	ServiceCreate(ctx context.Context, s swarm.ServiceSpec, o swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error)
	ServiceRemove(ctx context.Context, id string) error
	ServiceList(ctx context.Context, o swarm.ServiceListOptions) ([]swarm.Service, error)
	ServiceLogs(ctx context.Context, id string, o container.LogsOptions) (io.ReadCloser, error)
	TaskList(ctx context.Context, o swarm.TaskListOptions) ([]swarm.Task, error)
}

// Stack is one trial's set of services.
type Stack struct {
	eng   Engine
	name  string
	image string
	// Poll is how often a service's task is looked at; 250 ms when zero.
	Poll time.Duration
	// StartTimeout bounds the wait for a task to start running (the image
	// must already be on the node); 2 minutes when zero.
	StartTimeout time.Duration

	mu sync.Mutex
	n  int
}

// New returns the stack name (a valid service-name prefix) of image on the
// swarm behind eng.
func New(eng Engine, name, image string) *Stack {
	return &Stack{eng: eng, name: name, image: image}
}

// Name is the stack's namespace.
func (s *Stack) Name() string { return s.name }

// Node says where a Host's services run and what they get.
type Node struct {
	Name   string              // inventory name, for service names and errors
	ID     string              // the node's swarm node ID (placement)
	T      transport.Transport // the node itself: Copy writes there
	Mounts []string            // node directories bind-mounted at the same path
	// NanoCPUs limits each service's CPU (1e9 = one core); 0: no limit.
	NanoCPUs int64
}

// Host returns the host that runs commands as services on n.
func (s *Stack) Host(n Node) *Host { return &Host{s: s, n: n} }

// Host runs commands as services on one node.
type Host struct {
	s *Stack
	n Node
}

// Copy writes a file onto the node; a bind-mounted directory shows it to
// the services.
func (h *Host) Copy(ctx context.Context, src, dst string, perm os.FileMode) error {
	return h.n.T.Copy(ctx, src, dst, perm)
}

// Run runs c.Args as a service on the node and waits until its task ends:
// nil when it completed with status 0, an error with the exit status and
// the engine's message otherwise. Its output goes to c.Stdout and c.Stderr
// as the service logs deliver it. Cancelling ctx removes the service and
// waits (bounded) until its container is gone. c.Stdin is not supported.
func (h *Host) Run(ctx context.Context, c transport.Cmd) error {
	if c.Stdin != nil {
		return fmt.Errorf("stack: %s: a service has no standard input", h.n.Name)
	}
	if len(c.Args) == 0 {
		return fmt.Errorf("stack: %s: empty command", h.n.Name)
	}
	name := h.s.serviceName(h.n.Name, c.Args)
	spec := h.s.spec(name, h.n, c.Args)
	// The daemon and the job must not outlive their caller: the create
	// runs on a context of its own so that an id it returns is always
	// known, and removed, even when ctx ended during the call.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	resp, err := h.s.eng.ServiceCreate(cctx, spec, swarm.ServiceCreateOptions{})
	cancel()
	if err != nil {
		return fmt.Errorf("stack: %s: create service %s: %w", h.n.Name, name, err)
	}
	id := resp.ID
	runErr := h.s.follow(ctx, h.n.Name, id, name, c.Args, c.Stdout, c.Stderr)
	if ctx.Err() != nil || runErr != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := h.s.remove(rctx, id, name); err != nil {
			runErr = errors.Join(runErr, err)
		}
		if runErr == nil {
			runErr = ctx.Err()
		}
		return runErr
	}
	// Completed: the service has done its work and only its record is left.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return h.s.remove(rctx, id, name)
}

// spec is the service of one command: one replica on the node, on the
// host network, never restarted (a daemon that dies is a result, and the
// workload notices it), stopped with a grace period that lets a JVM shut
// down, and run under an init so that a Python driver as PID 1 still ends
// on SIGTERM.
func (s *Stack) spec(name string, n Node, args []string) swarm.ServiceSpec {
	one := uint64(1)
	grace := 10 * time.Second
	init := true
	labels := map[string]string{NamespaceLabel: s.name}
	var mounts []mount.Mount
	for _, m := range n.Mounts {
		mounts = append(mounts, mount.Mount{Type: mount.TypeBind, Source: m, Target: m})
	}
	spec := swarm.ServiceSpec{
		Annotations: swarm.Annotations{Name: name, Labels: labels},
		TaskTemplate: swarm.TaskSpec{
			ContainerSpec: &swarm.ContainerSpec{
				Image:           s.image,
				Command:         args,
				Labels:          labels,
				Mounts:          mounts,
				Init:            &init,
				StopGracePeriod: &grace,
			},
			Placement:     &swarm.Placement{Constraints: []string{"node.id==" + n.ID}},
			RestartPolicy: &swarm.RestartPolicy{Condition: swarm.RestartPolicyConditionNone},
			Networks:      []swarm.NetworkAttachmentConfig{{Target: "host"}},
		},
		Mode: swarm.ServiceMode{Replicated: &swarm.ReplicatedService{Replicas: &one}},
	}
	if n.NanoCPUs > 0 {
		spec.TaskTemplate.Resources = &swarm.ResourceRequirements{Limits: &swarm.Limit{NanoCPUs: n.NanoCPUs}}
	}
	return spec
}

// serviceName names a command's service after the stack, what the command
// runs and the node: edgerig-wc-t1_datanode-node2-3. Service names are at
// most 63 characters of letters, digits and dashes (and the stack's _).
func (s *Stack) serviceName(node string, args []string) string {
	s.mu.Lock()
	s.n++
	n := s.n
	s.mu.Unlock()
	name := fmt.Sprintf("%s_%s-%s-%d", s.name, part(args), clean(node), n)
	if len(name) > 63 {
		name = fmt.Sprintf("%s_%d", s.name, n)
	}
	return name
}

// part names what a command runs, from the classes and scripts the hdfs
// and spark packages start.
func part(args []string) string {
	joined := strings.Join(args, " ")
	for _, p := range []struct{ has, name string }{
		{"hdfs.server.namenode.NameNode -format", "namenode-format"},
		{"hdfs.server.namenode.NameNode", "namenode"},
		{"hdfs.server.datanode.DataNode", "datanode"},
		{"deploy.master.Master", "spark-master"},
		{"deploy.worker.Worker", "spark-worker"},
		{"spark-submit", "driver"},
	} {
		if strings.Contains(joined, p.has) {
			return p.name
		}
	}
	return clean(path.Base(args[0]))
}

func clean(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return strings.Trim(b.String(), "-")
}

// follow waits for the service's task to run, streams its logs, and
// returns when the task has ended (nil for exit status 0) or ctx ends.
func (s *Stack) follow(ctx context.Context, node, id, name string, args []string, stdout, stderr io.Writer) error {
	poll := s.poll()
	startBy := time.Now().Add(s.startTimeout())
	logsDone := make(chan struct{})
	logsCtx, stopLogs := context.WithCancel(context.WithoutCancel(ctx))
	started := false
	defer func() {
		if started {
			// A followed log stream may stay open after its task ended;
			// it is cut a little after the end, once the last lines came.
			select {
			case <-logsDone:
			case <-time.After(2 * time.Second):
			}
		}
		stopLogs()
		if started {
			<-logsDone
		}
	}()
	startLogs := func(follow bool) {
		started = true
		go func() {
			defer close(logsDone)
			s.copyLogs(logsCtx, id, follow, stdout, stderr)
		}()
	}
	for {
		t, err := s.task(ctx, id)
		switch {
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			return fmt.Errorf("stack: service %s: %w", name, err)
		}
		if t != nil && ended(t.Status.State) {
			if !started {
				startLogs(false) // all there is to read is there already
			}
			if t.Status.State == swarm.TaskStateComplete {
				return nil
			}
			return taskError(node, name, args, t)
		}
		if t != nil && !started && running(t.Status.State) {
			startLogs(true)
		}
		if !started && time.Now().After(startBy) {
			why := "no task yet"
			if t != nil {
				why = fmt.Sprintf("task %s: %s", t.Status.State, t.Status.Message)
				if t.Status.Err != "" {
					why += ": " + t.Status.Err
				}
			}
			return fmt.Errorf("stack: service %s on %s did not start within %s (%s): is image %s loaded on the node?", name, node, s.startTimeout(), why, s.image)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(poll):
		}
	}
}

func taskError(node, name string, args []string, t *swarm.Task) error {
	code := -1
	if t.Status.ContainerStatus != nil {
		code = t.Status.ContainerStatus.ExitCode
	}
	msg := t.Status.Message
	if t.Status.Err != "" {
		msg += ": " + t.Status.Err
	}
	return &transport.ExitError{Host: node, Args: args, Code: code, Stderr: fmt.Sprintf("service %s: task %s: %s", name, t.Status.State, msg)}
}

func (s *Stack) copyLogs(ctx context.Context, id string, follow bool, stdout, stderr io.Writer) {
	rc, err := s.eng.ServiceLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: follow})
	if err != nil {
		if stderr != nil {
			fmt.Fprintf(stderr, "stack: logs: %v\n", err)
		}
		return
	}
	defer rc.Close()
	if stdout == nil {
		stdout = io.Discard
	}
	if stderr == nil {
		stderr = io.Discard
	}
	_, _ = stdcopy.StdCopy(stdout, stderr, rc)
}

// task returns the service's newest task, nil when there is none yet.
func (s *Stack) task(ctx context.Context, id string) (*swarm.Task, error) {
	ts, err := s.eng.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", id))})
	if err != nil {
		return nil, err
	}
	var newest *swarm.Task
	for i := range ts {
		if newest == nil || ts[i].Meta.CreatedAt.After(newest.Meta.CreatedAt) {
			newest = &ts[i]
		}
	}
	return newest, nil
}

func running(st swarm.TaskState) bool { return st == swarm.TaskStateRunning }

func ended(st swarm.TaskState) bool {
	switch st {
	case swarm.TaskStateComplete, swarm.TaskStateFailed, swarm.TaskStateRejected,
		swarm.TaskStateShutdown, swarm.TaskStateOrphaned, swarm.TaskStateRemove:
		return true
	}
	return false
}

// remove removes a service and waits until none of its tasks runs any
// more (each has ended, or is gone), so that a stopped daemon's ports and
// files are free when Run returns. The engine reaps the stopped containers
// soon after.
func (s *Stack) remove(ctx context.Context, id, name string) error {
	// A removed service's tasks can no longer be listed by service: they
	// are followed by their own IDs.
	ts, err := s.eng.TaskList(ctx, swarm.TaskListOptions{Filters: filters.NewArgs(filters.Arg("service", id))})
	if err != nil && !notFound(err) {
		return fmt.Errorf("stack: tasks of service %s: %w", name, err)
	}
	if err := s.eng.ServiceRemove(ctx, id); err != nil && !notFound(err) {
		return fmt.Errorf("stack: remove service %s: %w", name, err)
	}
	if len(ts) == 0 {
		return nil
	}
	f := filters.NewArgs()
	for _, t := range ts {
		f.Add("id", t.ID)
	}
	last := "no answer"
	for {
		ts, err := s.eng.TaskList(ctx, swarm.TaskListOptions{Filters: f})
		if err == nil {
			var live []string
			for _, t := range ts {
				if !stopped(t.Status.State) {
					live = append(live, string(t.Status.State))
				}
			}
			if len(live) == 0 {
				return nil
			}
			last = "task states " + strings.Join(live, ", ")
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stack: service %s removed, but its task still ran when the wait ended (%s): %w", name, last, ctx.Err())
		case <-time.After(s.poll()):
		}
	}
}

// stopped says a task's container no longer runs.
func stopped(st swarm.TaskState) bool {
	switch st {
	case swarm.TaskStateComplete, swarm.TaskStateFailed, swarm.TaskStateRejected,
		swarm.TaskStateShutdown, swarm.TaskStateOrphaned, swarm.TaskStateNew,
		swarm.TaskStatePending, swarm.TaskStateAssigned:
		return true
	}
	return false
}

// Remove removes every service of the stack (also those of an earlier run
// with the same name that was cut short) and waits until their containers
// are gone, or ctx ends.
func (s *Stack) Remove(ctx context.Context) error {
	svcs, err := s.eng.ServiceList(ctx, swarm.ServiceListOptions{Filters: filters.NewArgs(filters.Arg("label", NamespaceLabel+"="+s.name))})
	if err != nil {
		return fmt.Errorf("stack %s: list services: %w", s.name, err)
	}
	var errs []error
	for _, svc := range svcs {
		errs = append(errs, s.remove(ctx, svc.ID, svc.Spec.Name))
	}
	return errors.Join(errs...)
}

func (s *Stack) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return 250 * time.Millisecond
}

func (s *Stack) startTimeout() time.Duration {
	if s.StartTimeout > 0 {
		return s.StartTimeout
	}
	return 2 * time.Minute
}

func notFound(err error) bool { return errdefs.IsNotFound(err) }
