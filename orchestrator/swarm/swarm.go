// Package swarm sets up and tears down a Docker Swarm across a trial's
// nodes through each node's Docker Engine API (swarm init/join/leave),
// reached through the node's transport (engine.Dialer).
//
// It never touches a swarm it did not create: before an init or a join it
// writes a marker into the node's engine (a volume named MarkerVolume), and
// a node found in a swarm without that marker is refused, so that an
// experiment cannot leave (and so destroy) someone's swarm. A node found in
// a swarm with the marker is what an interrupted earlier run left: Setup
// leaves that swarm first. The marker lives in the engine itself, so the
// driver needs no file-system rights on the host beyond the Engine API.
package swarm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"

	"github.com/edgerig/edgerig/engine"
	"github.com/edgerig/edgerig/orchestrator"
)

// node is one cluster node with its Engine API client.
type node struct {
	name   string
	addr   string // as given in the Cluster; "" for this machine
	docker *client.Client
}

// Driver sets up one swarm; it implements orchestrator.Driver. Keep one per
// trial: Teardown only leaves what this value's Setup joined.
type Driver struct {
	// Poll is how often readiness is checked; 500 ms when zero.
	Poll time.Duration

	nodes []node // master first; clients opened by Setup, closed by Teardown
	// joined holds every node an init or join was tried on (and its marker
	// written), in order, master first. It is recorded before the call: an
	// init or join the engine carried out although the call timed out or
	// was cancelled must still be left.
	joined []node
}

// New returns a driver with default settings.
func New() *Driver { return &Driver{} }

var _ orchestrator.Driver = (*Driver)(nil)

// Setup opens each node's Engine API, refuses a node in a swarm edgerig did
// not make, leaves what an interrupted earlier run left, then initialises a
// swarm on the master and joins the workers.
func (d *Driver) Setup(ctx context.Context, c orchestrator.Cluster) error {
	if len(d.nodes) > 0 {
		return errors.New("swarm: Setup called twice on one driver: use one driver per trial")
	}
	for _, n := range c.Nodes() {
		dl, ok := n.T.(engine.Dialer)
		if !ok {
			d.closeClients()
			return fmt.Errorf("swarm: %s: its transport cannot reach the Docker Engine API", n.Name)
		}
		cli, err := engine.New(dl)
		if err != nil {
			d.closeClients()
			return fmt.Errorf("swarm: %s: %w", n.Name, err)
		}
		d.nodes = append(d.nodes, node{name: n.Name, addr: n.Addr, docker: cli})
	}
	if err := d.cleanLeftovers(ctx); err != nil {
		return err
	}
	master, workers := d.nodes[0], d.nodes[1:]
	addr := advertise(master.addr)
	d.joined = append(d.joined, master)
	if err := mark(ctx, master); err != nil {
		return err
	}
	req := swarm.InitRequest{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: addr}
	req.Spec.Annotations.Labels = map[string]string{MarkerLabel: "swarm"}
	if _, err := master.docker.SwarmInit(ctx, req); err != nil {
		return fmt.Errorf("swarm: %s: init: %w", master.name, err)
	}
	sw, err := master.docker.SwarmInspect(ctx)
	if err != nil {
		return fmt.Errorf("swarm: %s: inspect: %w", master.name, err)
	}
	remote := net.JoinHostPort(addr, "2377")
	for _, w := range workers {
		d.joined = append(d.joined, w)
		if err := mark(ctx, w); err != nil {
			return err
		}
		req := swarm.JoinRequest{
			ListenAddr:    "0.0.0.0:2377",
			AdvertiseAddr: advertise(w.addr),
			RemoteAddrs:   []string{remote},
			JoinToken:     sw.JoinTokens.Worker,
		}
		if err := w.docker.SwarmJoin(ctx, req); err != nil {
			return fmt.Errorf("swarm: %s: join %s: %w", w.name, remote, err)
		}
	}
	return nil
}

// cleanLeftovers refuses a node in a swarm without the marker, then makes
// every marked node leave its swarm (workers first) and drops stale markers.
func (d *Driver) cleanLeftovers(ctx context.Context) error {
	type seen struct {
		state  swarm.LocalNodeState
		marked bool
	}
	states := make([]seen, len(d.nodes))
	for i, n := range d.nodes {
		info, err := n.docker.Info(ctx)
		if err != nil {
			return fmt.Errorf("swarm: %s: docker info: %w", n.name, err)
		}
		marked, err := hasMark(ctx, n)
		if err != nil {
			return err
		}
		st := info.Swarm.LocalNodeState
		if st != swarm.LocalNodeStateInactive && !marked {
			return fmt.Errorf("swarm: %s is already in a swarm (state %q) that edgerig did not create (no %s volume): edgerig will not join or leave it: leave it first (docker swarm leave)", n.name, st, MarkerVolume)
		}
		states[i] = seen{st, marked}
	}
	var errs []error
	for i := len(d.nodes) - 1; i >= 0; i-- {
		n, s := d.nodes[i], states[i]
		if !s.marked {
			continue
		}
		if s.state != swarm.LocalNodeStateInactive {
			if err := n.docker.SwarmLeave(ctx, true); err != nil {
				errs = append(errs, fmt.Errorf("swarm: %s: leaving the swarm an earlier run left: %w", n.name, err))
				continue
			}
		}
		if err := unmark(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Ready waits until every node of the swarm is Ready, or ctx ends.
func (d *Driver) Ready(ctx context.Context) error {
	if len(d.nodes) == 0 {
		return errors.New("swarm: Ready before Setup")
	}
	poll := d.Poll
	if poll == 0 {
		poll = 500 * time.Millisecond
	}
	master, want := d.nodes[0], len(d.nodes)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("swarm: waiting for %d nodes to be ready: %w", want, err)
		}
		nodes, err := master.docker.NodeList(ctx, swarm.NodeListOptions{})
		ready := 0
		if err == nil {
			for _, n := range nodes {
				if n.Status.State == swarm.NodeStateReady {
					ready++
				}
			}
			if ready >= want {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return fmt.Errorf("swarm: waiting for %d nodes to be ready: %w (last error: %v)", want, ctx.Err(), err)
			}
			return fmt.Errorf("swarm: waiting for nodes: %d of %d ready: %w", ready, want, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// Teardown makes every node that Setup tried to join leave the swarm,
// workers first, and removes its marker, reporting every failure with what
// was left on which node. It asks each engine for its state first: a node
// whose init or join never took effect is only unmarked. It is safe to call
// after a failed or partial Setup, and more than once.
func (d *Driver) Teardown(ctx context.Context) error {
	var errs []error
	for i := len(d.joined) - 1; i >= 0; i-- {
		n := d.joined[i]
		st, err := State(ctx, n.docker)
		if err != nil {
			errs = append(errs, fmt.Errorf("swarm: %s: left behind: its swarm membership (if the join took effect) and the %s volume: %w", n.name, MarkerVolume, err))
			continue
		}
		if st != string(swarm.LocalNodeStateInactive) {
			if err := n.docker.SwarmLeave(ctx, true); err != nil {
				errs = append(errs, fmt.Errorf("swarm: %s: leave: %w (left behind: swarm membership, state %q)", n.name, err, st))
				continue
			}
		}
		if err := removeTasks(ctx, n); err != nil {
			errs = append(errs, err)
		}
		if err := unmark(ctx, n); err != nil {
			errs = append(errs, err)
		}
	}
	d.joined = nil
	d.closeClients()
	return errors.Join(errs...)
}

func (d *Driver) closeClients() {
	for _, n := range d.nodes {
		n.docker.Close()
	}
	d.nodes = nil
}

// State returns the swarm state of an engine ("inactive", "active", ...).
func State(ctx context.Context, cli *client.Client) (string, error) {
	info, err := cli.Info(ctx)
	if err != nil {
		return "", fmt.Errorf("docker info: %w", err)
	}
	return string(info.Swarm.LocalNodeState), nil
}

func advertise(addr string) string {
	if addr == "" {
		return "127.0.0.1"
	}
	if h, p, err := net.SplitHostPort(addr); err == nil {
		if _, perr := strconv.Atoi(p); perr == nil {
			return h
		}
	}
	return addr
}

// taskLabel marks the containers an engine runs for swarm tasks.
const taskLabel = "com.docker.swarm.task"

// removeTasks removes the containers of swarm tasks still on a node that
// left: an engine removes them as it leaves, but one stopping at that
// moment can outlive the leave, and it would stay for good.
func removeTasks(ctx context.Context, n node) error {
	cs, err := n.docker.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", taskLabel))})
	if err != nil {
		return fmt.Errorf("swarm: %s: listing swarm task containers (any are left behind): %w", n.name, err)
	}
	var errs []error
	for _, c := range cs {
		if err := n.docker.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true}); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("swarm: %s: removing task container %.12s (left behind): %w", n.name, c.ID, err))
		}
	}
	return errors.Join(errs...)
}
