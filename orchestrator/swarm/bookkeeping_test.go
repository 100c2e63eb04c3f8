package swarm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"
)

// fakeEngine is a hand-written stand-in for the few Engine API calls the
// driver makes. Its init takes effect at once but answers only when the
// caller gives up: the case of an init the engine carried out while the
// call timed out.
type fakeEngine struct {
	mu      sync.Mutex
	state   string
	leaves  int
	release chan struct{} // closed at the end of the test: hung calls return
}

func (f *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	switch {
	case strings.HasSuffix(r.URL.Path, "/info"):
		st := f.state
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"Swarm": map[string]any{"LocalNodeState": st}})
	case strings.HasSuffix(r.URL.Path, "/swarm/init"):
		f.state = "active"
		f.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
	case strings.HasSuffix(r.URL.Path, "/swarm/leave"):
		f.state = "inactive"
		f.leaves++
		f.mu.Unlock()
	default:
		f.mu.Unlock()
		http.Error(w, "not in this fake: "+r.URL.Path, http.StatusNotImplemented)
	}
}

func TestTeardownLeavesAnInitThatTimedOut(t *testing.T) {
	f := &fakeEngine{state: "inactive", release: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer close(f.release)
	cli, err := client.NewClientWithOpts(client.WithHost("tcp://"+strings.TrimPrefix(srv.URL, "http://")), client.WithVersion("1.41"))
	require.NoError(t, err)
	defer cli.Close()
	n := Node{Name: "fake", Docker: cli}

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var d Driver
	require.ErrorContains(t, d.Setup(ctx, n, nil), "init")
	require.NoError(t, d.Teardown(context.Background()))
	require.Equal(t, "inactive", f.state, "the init that took effect was left")
	require.Equal(t, 1, f.leaves)

	// A second teardown, and one after a refused setup, touch nothing.
	require.NoError(t, d.Teardown(context.Background()))
	require.Equal(t, 1, f.leaves)
}

func TestTeardownSkipsANodeThatNeverJoined(t *testing.T) {
	f := &fakeEngine{state: "inactive", release: make(chan struct{})}
	srv := httptest.NewServer(f)
	defer srv.Close()
	defer close(f.release)
	cli, err := client.NewClientWithOpts(client.WithHost("tcp://"+strings.TrimPrefix(srv.URL, "http://")), client.WithVersion("1.41"))
	require.NoError(t, err)
	defer cli.Close()
	d := Driver{joined: []Node{{Name: "fake", Docker: cli}}}
	require.NoError(t, d.Teardown(context.Background()))
	require.Equal(t, 0, f.leaves, "an engine not in a swarm is not asked to leave")
}
