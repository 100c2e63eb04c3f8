package binaries

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
)

// stateFile is what a master's state file holds after a complete set-up.
const stateFile = `path /var/lib/edgerig-k8s /run/edgerig-k8s /var/lib/cni
sysctl vm.overcommit_memory 0
sysctl kernel.panic 1
chains
netns
iface cni0
cgroup /docker/abc/kubepods
route 10.244.1.0/24
route 10.244.2.0/24
daemon containerd /var/lib/edgerig-k8s/run/containerd.pid
daemon etcd /var/lib/edgerig-k8s/run/etcd.pid
daemon kube-apiserver /var/lib/edgerig-k8s/run/kube-apiserver.pid
daemon kube-controller-manager /var/lib/edgerig-k8s/run/kube-controller-manager.pid
daemon kube-scheduler /var/lib/edgerig-k8s/run/kube-scheduler.pid
daemon kubelet /var/lib/edgerig-k8s/run/kubelet.pid
daemon kube-proxy /var/lib/edgerig-k8s/run/kube-proxy.pid
`

func stepNames(l Layout, es []entry) []string {
	var names []string
	for _, s := range teardownSteps(l, es, 10*time.Second) {
		names = append(names, s.what)
	}
	return names
}

// The steps undo the state file in an order where nothing comes back: the
// kubelet before the pods, the pods before containerd, files last.
func TestTeardownSteps(t *testing.T) {
	require.Equal(t, []string{
		"stop kube-proxy", "stop kubelet", "stop kube-scheduler", "stop kube-controller-manager",
		"stop kube-apiserver", "stop etcd",
		"kill the pods in cgroup /docker/abc/kubepods", "stop containerd", "kill containerd's shims",
		"unmount", "remove iptables chains",
		"restore vm.overcommit_memory", "restore kernel.panic", "delete interface cni0",
		"delete route 10.244.1.0/24", "delete route 10.244.2.0/24", "remove files",
	}, stepNames(DefaultLayout, parseState(stateFile)))
	for _, s := range teardownSteps(DefaultLayout, parseState(stateFile), 3*time.Second) {
		if s.script == stopScript {
			require.Equal(t, "3", s.args[2], "SIGTERM's grace is what the caller gives")
		}
	}
	// A set-up cancelled after recording its paths only: those go.
	require.Equal(t, []string{"unmount", "remove files"}, stepNames(DefaultLayout, parseState("path /var/lib/edgerig-k8s\n")))
}

// Teardown runs every step even when some fail, returns every failure
// named by node and step with what may be left, and keeps the state file
// for the next run; the healthy node is cleaned completely.
func TestTeardownCollectsErrors(t *testing.T) {
	l := DefaultLayout
	bad := &fake{name: "node2"}
	bad.respond = func(args []string) (string, error) {
		if args[0] == "sh" && strings.HasPrefix(args[2], `if [ -e "$1" ]; then cat`) {
			return stateFile, nil
		}
		if args[0] == "sh" && (strings.HasPrefix(args[2], "cg=") || strings.HasPrefix(args[2], "for ipt in")) {
			return "", exitErr("node2", args, "still busy")
		}
		return "", nil
	}
	good := &fake{name: "node1"}
	good.respond = func(args []string) (string, error) {
		if args[0] == "sh" && strings.HasPrefix(args[2], `if [ -e "$1" ]; then cat`) {
			return stateFile, nil
		}
		return "", nil
	}
	d := New(Config{})
	d.cluster = &orchestrator.Cluster{Master: orchestrator.Node{Name: "node1", T: good}, Workers: []orchestrator.Node{{Name: "node2", T: bad}}}
	err := d.Teardown(context.Background())
	require.Error(t, err)
	msg := err.Error()
	require.Contains(t, msg, "node node2: kill the pods in cgroup /docker/abc/kubepods")
	require.Contains(t, msg, "remove iptables chains")
	require.Contains(t, msg, "left behind (as listed in /var/lib/edgerig-k8s.state)")
	require.NotContains(t, msg, "node node1")

	steps := len(teardownSteps(l, parseState(stateFile), time.Second))
	// every step ran on both nodes, after reading the state file
	require.Len(t, bad.shCalls(), 1+steps, "no state file removal on the failed node")
	require.Len(t, good.shCalls(), 1+steps+1, "state file removed last on the clean node")
	last := good.shCalls()[len(good.shCalls())-1]
	require.Equal(t, []string{`rm -rf -- "$@"`, l.StateFile()}, last)
}

// An unreachable node is named, with what may be left on it.
func TestTeardownUnreachable(t *testing.T) {
	gone := &fake{respond: func(args []string) (string, error) { return "", errors.New("node3: connection refused") }}
	d := New(Config{})
	d.cluster = &orchestrator.Cluster{Master: orchestrator.Node{Name: "node3", T: gone}}
	err := d.Teardown(context.Background())
	require.ErrorContains(t, err, "node node3: reading the state file /var/lib/edgerig-k8s.state")
	require.ErrorContains(t, err, "connection refused")
}

// No state file: nothing was made, nothing is run.
func TestTeardownNothingRecorded(t *testing.T) {
	f := &fake{}
	d := New(Config{})
	d.cluster = &orchestrator.Cluster{Master: orchestrator.Node{Name: "node1", T: f}}
	require.NoError(t, d.Teardown(context.Background()))
	require.Len(t, f.shCalls(), 1)
}

// An unreachable node's error lists what this driver recorded there.
func TestTeardownUnreachableNamesRecorded(t *testing.T) {
	gone := &fake{respond: func(args []string) (string, error) { return "", errors.New("node4: connection timed out") }}
	d := New(Config{})
	d.cluster = &orchestrator.Cluster{Master: orchestrator.Node{Name: "node4", T: gone}}
	d.recorded = map[string][]string{"node4": {"path /var/lib/edgerig-k8s /run/edgerig-k8s", "daemon kubelet /var/lib/edgerig-k8s/run/kubelet.pid"}}
	err := d.Teardown(context.Background())
	require.ErrorContains(t, err, "node node4: reading the state file")
	require.ErrorContains(t, err, "may be left there (as this run recorded it): path /var/lib/edgerig-k8s /run/edgerig-k8s; daemon kubelet")
}
