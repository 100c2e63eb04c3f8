// Package swarm sets up and tears down a Docker Swarm across a run's hosts
// through each host's Docker Engine API (docker swarm init/join/leave).
//
// It refuses to touch a host that is already part of a swarm: an
// experiment must not leave (and so destroy) a swarm it did not create.
package swarm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/docker/docker/api/types/swarm"
	"github.com/docker/docker/client"
)

// Node is one host of the swarm.
type Node struct {
	Name string
	// Addr is the address other nodes reach this one at; "" for a
	// single-host run on this machine (127.0.0.1 is advertised).
	Addr   string
	Docker *client.Client
}

// Driver sets up one swarm. Its zero value is ready to use; keep one per
// trial, since Teardown only leaves what Setup joined.
type Driver struct {
	// Poll is how often readiness is checked; 500 ms when zero.
	Poll time.Duration

	// joined holds every node an init or join was tried on, in order,
	// master first. It is recorded before the call: an init or join the
	// engine carried out although the call timed out or was cancelled
	// must still be left.
	joined []Node
}

// Setup initialises a swarm on master, joins workers, and waits until
// every node is Ready (or ctx ends).
func (d *Driver) Setup(ctx context.Context, master Node, workers []Node) error {
	for _, n := range append([]Node{master}, workers...) {
		info, err := n.Docker.Info(ctx)
		if err != nil {
			return fmt.Errorf("swarm: %s: docker info: %w", n.Name, err)
		}
		if st := info.Swarm.LocalNodeState; st != swarm.LocalNodeStateInactive {
			return fmt.Errorf("swarm: %s is already in a swarm (state %q); edgerig will not join or leave a swarm it did not create: leave it first (docker swarm leave)", n.Name, st)
		}
	}
	addr := advertise(master.Addr)
	d.joined = append(d.joined, master)
	if _, err := master.Docker.SwarmInit(ctx, swarm.InitRequest{ListenAddr: "0.0.0.0:2377", AdvertiseAddr: addr}); err != nil {
		return fmt.Errorf("swarm: %s: init: %w", master.Name, err)
	}
	sw, err := master.Docker.SwarmInspect(ctx)
	if err != nil {
		return fmt.Errorf("swarm: %s: inspect: %w", master.Name, err)
	}
	remote := net.JoinHostPort(addr, "2377")
	for _, w := range workers {
		req := swarm.JoinRequest{
			ListenAddr:    "0.0.0.0:2377",
			AdvertiseAddr: advertise(w.Addr),
			RemoteAddrs:   []string{remote},
			JoinToken:     sw.JoinTokens.Worker,
		}
		d.joined = append(d.joined, w)
		if err := w.Docker.SwarmJoin(ctx, req); err != nil {
			return fmt.Errorf("swarm: %s: join %s: %w", w.Name, remote, err)
		}
	}
	return d.waitReady(ctx, master, 1+len(workers))
}

func (d *Driver) waitReady(ctx context.Context, master Node, want int) error {
	poll := d.Poll
	if poll == 0 {
		poll = 500 * time.Millisecond
	}
	for {
		nodes, err := master.Docker.NodeList(ctx, swarm.NodeListOptions{})
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
// workers first, and reports every failure. It asks each engine for its
// state first: a node whose init or join never took effect is left alone
// (Setup refused nodes already in a swarm, so any swarm found is ours).
// It is safe to call after a failed or partial Setup, and more than once.
func (d *Driver) Teardown(ctx context.Context) error {
	var errs []error
	for i := len(d.joined) - 1; i >= 0; i-- {
		n := d.joined[i]
		st, err := State(ctx, n)
		if err == nil && st == string(swarm.LocalNodeStateInactive) {
			continue
		}
		if err := n.Docker.SwarmLeave(ctx, true); err != nil {
			errs = append(errs, fmt.Errorf("swarm: %s: leave: %w", n.Name, err))
		}
	}
	d.joined = nil
	return errors.Join(errs...)
}

// State returns the swarm state of a node's engine ("inactive", "active", ...).
func State(ctx context.Context, n Node) (string, error) {
	info, err := n.Docker.Info(ctx)
	if err != nil {
		return "", fmt.Errorf("swarm: %s: docker info: %w", n.Name, err)
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
