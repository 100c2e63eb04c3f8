package kubernetes

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/transport"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// rule scripts the reply to every command whose quoted argv contains
// match, on host (any host when ""). The first matching rule wins.
type rule struct {
	host, match string
	out         string
	exit        int           // non-zero: the command fails with this status
	hang        chan struct{} // non-nil: hang until cancelled, closing it once hangN commands hang
	hangN       int           // 0 means 1
	down        bool          // the host cannot be reached
}

// fakeCluster is a recording transport for every node: each command is
// logged per host (with what it was given on stdin) and answered from the
// rules; a command no rule matches succeeds with no output. It is a
// hand-written stand-in for real k3s and kubeadm hosts, which cannot be
// reached from here: the tests check the exact commands the driver issues.
type fakeCluster struct {
	mu    sync.Mutex
	rules []rule
	log   map[string][]string
	hung  map[chan struct{}]int
}

func newFakeCluster(rules ...rule) *fakeCluster {
	return &fakeCluster{rules: rules, log: map[string][]string{}, hung: map[chan struct{}]int{}}
}

// prepend adds rules that win over the ones already there.
func (f *fakeCluster) prepend(rs ...rule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(rs, f.rules...)
}

type fakeHost struct {
	name string
	f    *fakeCluster
}

func (h fakeHost) Run(ctx context.Context, c transport.Cmd) error {
	line := transport.Quote(c.Args)
	if c.Stdin != nil {
		b, _ := io.ReadAll(c.Stdin)
		line += fmt.Sprintf(" <<< %q", b)
	}
	h.f.mu.Lock()
	var r *rule
	for i := range h.f.rules {
		if (h.f.rules[i].host == "" || h.f.rules[i].host == h.name) && strings.Contains(line, h.f.rules[i].match) {
			r = &h.f.rules[i]
			break
		}
	}
	if r != nil && r.down {
		h.f.mu.Unlock()
		return fmt.Errorf("ssh %s: dial tcp: connect: no route to host", h.name)
	}
	h.f.log[h.name] = append(h.f.log[h.name], line)
	var hang chan struct{}
	if r != nil && r.hang != nil {
		hang = r.hang
		h.f.hung[hang]++
		if h.f.hung[hang] == max(r.hangN, 1) {
			close(hang)
		}
	}
	h.f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if hang != nil {
		<-ctx.Done()
		return ctx.Err()
	}
	if r == nil {
		return nil
	}
	if c.Stdout != nil {
		_, _ = io.WriteString(c.Stdout, r.out)
	}
	if r.exit != 0 {
		return &transport.ExitError{Host: h.name, Args: c.Args, Code: r.exit, Stderr: "scripted failure"}
	}
	return nil
}

func (fakeHost) Copy(context.Context, string, string, os.FileMode) error { return nil }
func (fakeHost) Close() error                                            { return nil }

func (f *fakeCluster) cluster(n int) orchestrator.Cluster {
	var c orchestrator.Cluster
	for i := 1; i <= n; i++ {
		node := orchestrator.Node{Name: fmt.Sprintf("node%d", i), Addr: fmt.Sprintf("10.0.0.%d", i), T: fakeHost{fmt.Sprintf("node%d", i), f}}
		if i == 1 {
			c.Master = node
		} else {
			c.Workers = append(c.Workers, node)
		}
	}
	return c
}

// render is the command log per host, hosts in name order.
func (f *fakeCluster) render() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var hosts []string
	for h := range f.log {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var b strings.Builder
	for _, h := range hosts {
		fmt.Fprintf(&b, "== %s\n", h)
		// A command repeated while polling is written once: how often it
		// ran depends on timing.
		for i, l := range f.log[h] {
			if i > 0 && f.log[h][i-1] == l {
				continue
			}
			fmt.Fprintf(&b, "%s\n", l)
		}
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.WriteFile(p, []byte(got), 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err, "run go test ./orchestrator/kubernetes -update to create it")
	require.Equal(t, string(want), got)
}

// nodesJSON is `kubectl get nodes -o json` with each node Ready unless
// listed in notReady. Hand-written, in the shape kubectl prints.
func nodesJSON(n int, notReady ...string) string {
	var items []string
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("node%d", i)
		status, reason := "True", "KubeletReady"
		for _, nr := range notReady {
			if nr == name {
				status, reason = "False", "KubeletNotReady"
			}
		}
		items = append(items, fmt.Sprintf(`{"metadata":{"name":%q},"status":{"conditions":[{"type":"MemoryPressure","status":"False"},{"type":"Ready","status":%q,"reason":%q,"message":"container runtime network not ready"}]}}`, name, status, reason))
	}
	return `{"apiVersion":"v1","kind":"List","items":[` + strings.Join(items, ",") + `]}`
}

// healthy are the replies of hosts with nothing installed, on which every
// step works.
func healthy(version string, nodes int) []rule {
	return []rule{
		{match: "id -u", out: "0\n"},
		{match: "cat /var/lib/edgerig/kubernetes", exit: 1},
		{match: "sh -c 'test -e", exit: 1},
		{match: "--version", out: "k3s version " + version + " (fe1bd5d8)\ngo version go1.22.9\n"},
		{match: "kubeadm version -o short", out: version + "\n"},
		{match: "kubeadm token create --print-join-command", out: "kubeadm join 10.0.0.1:6443 --token abcdef.0123456789abcdef --discovery-token-ca-cert-hash sha256:3f1c0e6b\n"},
		{match: "get nodes -o json", out: nodesJSON(nodes)},
	}
}

func newDriver(t *testing.T, cfg Config) *Driver {
	t.Helper()
	d, err := New(cfg)
	require.NoError(t, err)
	d.token = "abcdef.0123456789abcdef"
	d.cfg.Poll = 1
	return d
}

func errText(err error) string {
	if err == nil {
		return "error: none\n"
	}
	return "error: " + strings.ReplaceAll(err.Error(), "\n", "\n  ") + "\n"
}
