package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/orchestrator/orchestratortest"
	"github.com/edgerig/edgerig/transport"
)

// simHost is a hand-written simulation of a host that k3s is installed on
// with its installer: it keeps the state the driver's commands change (the
// marker, the installation, a running k3s) and answers kubectl from it.
// It lets the driver conformance suite run here, where no real k3s can be
// had; the real proof is a run on a real cluster.
type simHost struct {
	name string
	c    *simCluster
}

type simState struct {
	marker    string
	installed bool
	running   string // "", "server" or "agent"
}

type simCluster struct {
	mu    sync.Mutex
	hosts map[string]*simState
}

func (h simHost) Run(ctx context.Context, c transport.Cmd) error {
	// Every command takes a little while, so that a Setup can be cut
	// midway.
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(2 * time.Millisecond):
	}
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	st := h.c.hosts[h.name]
	line := transport.Quote(c.Args)
	out := ""
	fail := func() error { return &transport.ExitError{Host: h.name, Args: c.Args, Code: 1} }
	switch {
	case line == "id -u":
		out = "0\n"
	case line == "cat "+MarkerFile:
		if st.marker == "" {
			return fail()
		}
		out = st.marker
	case line == "mkdir -p /var/lib/edgerig":
	case strings.HasPrefix(line, "tee "+MarkerFile):
		b, _ := io.ReadAll(c.Stdin)
		st.marker = string(b)
	case line == "rm -f "+MarkerFile:
		st.marker = ""
	case strings.HasPrefix(line, "sh -c 'test -e"):
		if !st.installed && st.running == "" {
			return fail()
		}
	case strings.Contains(line, "INSTALL_K3S_EXEC=server"):
		st.installed, st.running = true, "server"
	case strings.Contains(line, "INSTALL_K3S_EXEC=agent"):
		st.installed, st.running = true, "agent"
	case strings.Contains(line, "k3s-killall.sh"):
		st.running = ""
	case strings.Contains(line, "uninstall.sh"):
		st.installed, st.running = false, ""
	case line == "k3s kubectl get nodes -o json":
		if st.running != "server" {
			return fail()
		}
		var items []string
		for name, s := range h.c.hosts {
			if s.running != "" {
				items = append(items, fmt.Sprintf(`{"metadata":{"name":%q},"status":{"conditions":[{"type":"Ready","status":"True"}]}}`, name))
			}
		}
		out = `{"items":[` + strings.Join(items, ",") + `]}`
	case line == "k3s kubectl get pods -A -o json":
		if st.running != "server" {
			return fail()
		}
		var items []string
		for name, s := range h.c.hosts {
			if s.running != "" {
				items = append(items, fmt.Sprintf(`{"metadata":{"name":"svclb-%s","namespace":"kube-system"},"spec":{"nodeName":%q},"status":{"phase":"Running"}}`, name, name))
			}
		}
		out = `{"items":[` + strings.Join(items, ",") + `]}`
	default:
		return fmt.Errorf("simulated %s: no simulation of %s", h.name, line)
	}
	if c.Stdout != nil {
		_, _ = c.Stdout.Write([]byte(out))
	}
	return nil
}

func (simHost) Copy(context.Context, string, string, os.FileMode) error { return nil }
func (simHost) Close() error                                            { return nil }

func (c *simCluster) clean(context.Context, orchestrator.Cluster) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for name, s := range c.hosts {
		if s.marker != "" || s.installed || s.running != "" {
			errs = append(errs, fmt.Errorf("%s: marker %v, installed %v, running %q", name, s.marker != "", s.installed, s.running))
		}
	}
	return errors.Join(errs...)
}

// TestConformanceSimulated runs the driver conformance suite on simulated
// k3s hosts: set-up, ready, list, teardown, and the interrupted and
// cancelled set-ups, all leaving nothing.
func TestConformanceSimulated(t *testing.T) {
	sim := &simCluster{hosts: map[string]*simState{}}
	var c orchestrator.Cluster
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("node%d", i)
		sim.hosts[name] = &simState{}
		n := orchestrator.Node{Name: name, Addr: fmt.Sprintf("10.0.0.%d", i), T: simHost{name, sim}}
		if i == 1 {
			c.Master = n
		} else {
			c.Workers = append(c.Workers, n)
		}
	}
	orchestratortest.Run(t, func() orchestrator.Driver {
		d, err := New(Config{Install: "k3s", Version: "v1.31.4+k3s1", Source: "script:/opt/k3s/install.sh", Poll: 5 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}, c, orchestratortest.WithClean(sim.clean), orchestratortest.WithTimeout(10*time.Second))
}
