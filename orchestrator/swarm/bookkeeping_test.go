package swarm

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/transport"
)

// fakeEngine is a hand-written stand-in for the few Engine API calls the
// driver makes. Its init takes effect at once but, when hangInit is set,
// answers only when the caller gives up: the case of an init the engine
// carried out while the call timed out.
type fakeEngine struct {
	mu       sync.Mutex
	state    string
	marked   bool
	leaves   int
	inits    int
	hangInit bool
	tasks    []string      // IDs of swarm task containers on the node
	down     bool          // every call fails: the node is unreachable
	release  chan struct{} // closed at the end of the test: hung calls return
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p := r.URL.Path
	if f.down && !strings.HasSuffix(p, "/_ping") {
		http.Error(w, "engine unreachable", http.StatusServiceUnavailable)
		return
	}
	switch {
	case strings.HasSuffix(p, "/_ping"):
		w.Header().Set("API-Version", "1.41")
	case strings.HasSuffix(p, "/info"):
		_ = json.NewEncoder(w).Encode(map[string]any{"Swarm": map[string]any{"LocalNodeState": f.state}})
	case strings.HasSuffix(p, "/swarm/init"):
		f.state = "active"
		f.inits++
		if f.hangInit {
			f.mu.Unlock()
			select {
			case <-r.Context().Done():
			case <-f.release:
			}
			f.mu.Lock()
			return
		}
		_ = json.NewEncoder(w).Encode("nodeid")
	case strings.HasSuffix(p, "/swarm") && r.Method == http.MethodGet:
		_ = json.NewEncoder(w).Encode(map[string]any{"JoinTokens": map[string]string{"Worker": "tok"}})
	case strings.HasSuffix(p, "/swarm/leave"):
		f.state = "inactive"
		f.leaves++
	case strings.HasSuffix(p, "/volumes/create"):
		f.marked = true
		_ = json.NewEncoder(w).Encode(map[string]any{"Name": MarkerVolume, "Labels": map[string]string{MarkerLabel: "swarm"}})
	case strings.HasSuffix(p, "/volumes/"+MarkerVolume) && r.Method == http.MethodGet:
		if !f.marked {
			http.Error(w, `{"message":"no such volume"}`, http.StatusNotFound)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"Name": MarkerVolume, "Labels": map[string]string{MarkerLabel: "swarm"}})
	case strings.HasSuffix(p, "/volumes/"+MarkerVolume) && r.Method == http.MethodDelete:
		f.marked = false
		w.WriteHeader(http.StatusNoContent)
	case strings.HasSuffix(p, "/containers/json"):
		list := []map[string]any{}
		for _, id := range f.tasks {
			list = append(list, map[string]any{"Id": id, "Labels": map[string]string{taskLabel: ""}})
		}
		_ = json.NewEncoder(w).Encode(list)
	case strings.Contains(p, "/containers/") && r.Method == http.MethodDelete:
		id := p[strings.LastIndex(p, "/")+1:]
		for i, t := range f.tasks {
			if t == id {
				f.tasks = append(f.tasks[:i], f.tasks[i+1:]...)
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		http.Error(w, `{"message":"no such container"}`, http.StatusNotFound)
	default:
		http.Error(w, "not in this fake: "+r.Method+" "+p, http.StatusNotImplemented)
	}
}

func (f *fakeEngine) get() (state string, marked bool, leaves int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.state, f.marked, f.leaves
}

// engineTransport reaches a fake engine as a transport that dials the
// Engine API (engine.Dialer); it runs no command.
type engineTransport struct{ addr string }

func (e engineTransport) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", e.addr)
}
func (engineTransport) Run(context.Context, transport.Cmd) error { return nil }
func (engineTransport) Copy(context.Context, string, string, os.FileMode) error {
	return nil
}
func (engineTransport) Close() error { return nil }

func fakeNode(t *testing.T, name string, f *fakeEngine) orchestrator.Node {
	t.Helper()
	if f.release == nil {
		f.release = make(chan struct{})
	}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(f.release) })
	return orchestrator.Node{Name: name, Addr: "10.0.0.1", T: engineTransport{srv.Listener.Addr().String()}}
}

func TestTeardownLeavesAnInitThatTimedOut(t *testing.T) {
	f := &fakeEngine{state: "inactive", hangInit: true}
	c := orchestrator.Cluster{Master: fakeNode(t, "fake", f)}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	d := New()
	require.ErrorContains(t, d.Setup(ctx, c), "init")
	require.NoError(t, d.Teardown(context.Background()))
	st, marked, leaves := f.get()
	require.Equal(t, "inactive", st, "the init that took effect was left")
	require.False(t, marked, "the marker is removed")
	require.Equal(t, 1, leaves)

	// A second teardown touches nothing.
	require.NoError(t, d.Teardown(context.Background()))
	_, _, leaves = f.get()
	require.Equal(t, 1, leaves)
}

func TestSetupRefusesASwarmItDidNotMake(t *testing.T) {
	f := &fakeEngine{state: "active"}
	c := orchestrator.Cluster{Master: fakeNode(t, "node1", f)}
	d := New()
	require.ErrorContains(t, d.Setup(context.Background(), c), "node1 is already in a swarm")
	require.NoError(t, d.Teardown(context.Background()), "teardown of a refused setup touches nothing")
	st, marked, leaves := f.get()
	require.Equal(t, "active", st)
	require.False(t, marked)
	require.Equal(t, 0, leaves)
}

// A swarm with the marker is an interrupted run's: Setup leaves it first,
// then makes its own.
func TestSetupCleansAMarkedLeftover(t *testing.T) {
	m := &fakeEngine{state: "active", marked: true}
	w := &fakeEngine{state: "pending", marked: true}
	c := orchestrator.Cluster{Master: fakeNode(t, "node1", m), Workers: []orchestrator.Node{fakeNode(t, "node2", w)}}
	d := New()
	err := d.Setup(context.Background(), c)
	// The fake's join is not implemented: the worker's join fails, which is
	// after the clean-up this test is about.
	require.ErrorContains(t, err, "node2: join")
	_, _, mLeaves := m.get()
	_, _, wLeaves := w.get()
	require.Equal(t, 1, mLeaves, "the left-over swarm was left on the master")
	require.Equal(t, 1, wLeaves, "and on the worker")
	require.Equal(t, 1, m.inits)
	require.NoError(t, d.Teardown(context.Background()))
	st, marked, _ := m.get()
	require.Equal(t, "inactive", st)
	require.False(t, marked)
}

// A node that cannot be reached in teardown is reported with what is left
// on it, and the others are still torn down.
func TestTeardownReportsAnUnreachableNode(t *testing.T) {
	m := &fakeEngine{state: "inactive"}
	c := orchestrator.Cluster{Master: fakeNode(t, "node1", m)}
	d := New()
	require.NoError(t, d.Setup(context.Background(), c))
	m.mu.Lock()
	m.down = true
	m.mu.Unlock()
	err := d.Teardown(context.Background())
	require.ErrorContains(t, err, "node1: left behind")
	require.ErrorContains(t, err, MarkerVolume)
}

// A task container that outlived the leave is removed by Teardown.
func TestTeardownRemovesTaskContainersLeft(t *testing.T) {
	f := &fakeEngine{state: "inactive"}
	c := orchestrator.Cluster{Master: fakeNode(t, "node1", f)}
	d := New()
	require.NoError(t, d.Setup(context.Background(), c))
	f.mu.Lock()
	f.tasks = []string{strings.Repeat("a", 64)}
	f.mu.Unlock()
	require.NoError(t, d.Teardown(context.Background()))
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Empty(t, f.tasks)
}
