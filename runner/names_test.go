package runner

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

// slowEngine is a hand-written Engine API that answers container inspect
// slowly, as a busy Pi does.
type slowEngine struct{ *fakeHost }

func (s slowEngine) DialContext(ctx context.Context, _, _ string) (net.Conn, error) {
	return (&net.Dialer{}).DialContext(ctx, "tcp", s.name)
}

// The namer's last names land before the run directory is closed: none
// is written after Close (and so lost).
func TestNamerAwaitedBeforeClose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/containers/") {
			time.Sleep(300 * time.Millisecond)
			_, _ = io.WriteString(w, `{"Id":"abc","Name":"/web-1","Config":{"Image":"nginx"}}`)
			return
		}
		w.Header().Set("Api-Version", "1.41")
		_, _ = io.WriteString(w, "OK")
	}))
	defer srv.Close()

	b := newFakeBed(t, lifecycleSpec, "n1")
	b.cfg.Progress = io.Discard
	r := &run{cfg: b.cfg, trials: b.cfg.Spec.Trials()}
	dir, err := r.create()
	require.NoError(t, err)
	h := &hostConn{name: "n1", t: slowEngine{newFakeHost(strings.TrimPrefix(srv.URL, "http://"), time.Second)}}
	n := newNamer(r, h)
	n.see("abc")
	n.close()
	require.NoError(t, r.w.Close(results.StatusCompleted, ""))

	res, err := results.Read(dir)
	require.NoError(t, err)
	var names []any
	for _, e := range res.Events {
		if e.Type == results.EventContainer {
			names = append(names, e.Data["name"])
		}
	}
	require.Equal(t, []any{"web-1"}, names)
}

// TestContainerData: a Swarm task's labels (as Swarm sets them; see
// testbed/containers' Swarm test) name its service and stack in the
// container event; a plain container has only its name and image. The
// inspect answers are hand-written.
func TestContainerData(t *testing.T) {
	task := container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{Name: "/web.1.x3k2q9"},
		Config: &container.Config{Image: "edgerig/idle:1", Labels: map[string]string{
			"com.docker.swarm.service.name": "web",
			"com.docker.swarm.task.name":    "web.1.x3k2q9",
			"com.docker.stack.namespace":    "idle",
		}},
	}
	require.Equal(t, map[string]any{"id": "abc", "name": "web.1.x3k2q9", "image": "edgerig/idle:1", "service": "web", "stack": "idle"},
		containerData("abc", task))
	plain := container.InspectResponse{ContainerJSONBase: &container.ContainerJSONBase{Name: "/db"}, Config: &container.Config{Image: "db:1"}}
	require.Equal(t, map[string]any{"id": "def", "name": "db", "image": "db:1"}, containerData("def", plain))
}
