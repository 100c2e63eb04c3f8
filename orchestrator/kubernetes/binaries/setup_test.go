package binaries

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
)

// fakeCache makes a complete bin directory of stand-in executables, so
// Setup finds the binaries built.
func fakeCache(t *testing.T) string {
	cache := t.TempDir()
	bin := BinDir(cache, DefaultVersion)
	require.NoError(t, os.MkdirAll(bin, 0o755))
	for _, c := range Components {
		require.NoError(t, os.WriteFile(filepath.Join(bin, c), []byte("#!/bin/sh\n"+c+"\n"), 0o755))
	}
	require.NoError(t, os.WriteFile(filepath.Join(bin, completeMarker), []byte(DefaultVersion+"\n"), 0o644))
	return cache
}

func fakeCluster(fail func(node string, args []string) error) (orchestrator.Cluster, map[string]*fake) {
	fakes := map[string]*fake{}
	node := func(name, addr string) orchestrator.Node {
		f := &fake{name: name}
		f.respond = func(args []string) (string, error) {
			if fail != nil {
				if err := fail(name, args); err != nil {
					return "", err
				}
			}
			return "", nil
		}
		fakes[name] = f
		return orchestrator.Node{Name: name, Addr: addr, T: f}
	}
	return orchestrator.Cluster{Master: node("node1", "172.30.0.2"), Workers: []orchestrator.Node{node("node2", "172.30.0.3"), node("node3", "172.30.0.4")}}, fakes
}

// what a recorded command makes or records, for the ordering check.
func classify(args []string) (recorded []string, made string) {
	if len(args) >= 4 && args[0] == "sh" && strings.HasPrefix(args[2], `f=$1; shift; printf`) {
		return args[5:], ""
	}
	if len(args) >= 4 && args[0] == "sh" {
		switch {
		case strings.HasPrefix(args[2], "pidf=$1 log=$2"):
			return nil, "daemon " + filepath.Base(strings.TrimSuffix(args[4], ".pid"))
		case strings.HasPrefix(args[2], `ip route replace`):
			return nil, "route " + args[4]
		case strings.HasPrefix(args[2], `mkdir -p`):
			return nil, "path " + args[4]
		}
	}
	if args[0] == "copy" {
		return nil, "path " + args[2]
	}
	return nil, ""
}

// Setup records each thing in the node's state file before it makes it:
// the directories before the first copy, each route and each daemon.
func TestSetupRecordsFirst(t *testing.T) {
	c, fakes := fakeCluster(nil)
	d := New(Config{CacheDir: fakeCache(t), ModuleDir: "/nonexistent"})
	require.NoError(t, d.Setup(context.Background(), c))
	for name, f := range fakes {
		var recorded []string
		made := 0
		for _, call := range f.calls {
			rec, m := classify(call)
			recorded = append(recorded, rec...)
			if m == "" {
				continue
			}
			made++
			kind, what, _ := strings.Cut(m, " ")
			found := false
			for _, r := range recorded {
				fields := strings.Fields(r)
				if fields[0] != kind {
					continue
				}
				for _, f := range fields[1:] {
					if f == what || kind == "path" && strings.HasPrefix(what, f+"/") || kind == "daemon" && f == what {
						found = true
					}
				}
			}
			require.True(t, found, "%s: %s made before it was recorded (recorded so far: %q)", name, m, recorded)
		}
		require.Greater(t, made, 10, name)
	}
	// the master runs the control plane, the workers do not
	require.Contains(t, strings.Join(flat(fakes["node1"].calls), " "), "daemon kube-apiserver")
	require.NotContains(t, strings.Join(flat(fakes["node2"].calls), " "), "daemon kube-apiserver")
}

func flat(calls [][]string) []string {
	var out []string
	for _, c := range calls {
		out = append(out, strings.Join(c, " "))
	}
	return out
}

// A node failing during the install fails Setup with the node and the step
// named; Teardown then undoes what each node's state file lists.
func TestSetupNodeFails(t *testing.T) {
	c, fakes := fakeCluster(func(node string, args []string) error {
		if node == "node3" && args[0] == "copy" && strings.HasSuffix(args[2], "/kubelet") {
			return exitErr(node, args, "No space left on device")
		}
		return nil
	})
	d := New(Config{CacheDir: fakeCache(t), ModuleDir: "/nonexistent"})
	err := d.Setup(context.Background(), c)
	require.ErrorContains(t, err, "node node3: copying kubelet")
	require.ErrorContains(t, err, "No space left on device")
	require.NotContains(t, err.Error(), "node node1")
	for _, call := range fakes["node1"].calls {
		_, m := classify(call)
		require.NotEqual(t, "daemon kube-apiserver", m, "no control plane once a node failed to install")
	}
}
