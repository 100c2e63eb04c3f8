package runner

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/engine"
	"github.com/edgerig/edgerig/results"
)

// namer resolves the container IDs a probe reports into names, images,
// services and pods through the host's Docker Engine API, once per ID, off
// the ingest path, and records each as a container event for the report.
type namer struct {
	r    *run
	h    *hostConn
	seen map[string]bool
	ids  chan string
	done chan struct{} // closed when loop has returned

	mu        sync.Mutex
	abandoned bool // close gave up waiting: write no more events
}

// namerDrainWait bounds how long close waits for the names still queued.
const namerDrainWait = 10 * time.Second

func newNamer(r *run, h *hostConn) *namer {
	n := &namer{r: r, h: h, seen: map[string]bool{}, ids: make(chan string, 256), done: make(chan struct{})}
	go n.loop()
	return n
}

func (n *namer) see(id string) {
	if n.seen[id] {
		return
	}
	n.seen[id] = true
	select {
	case n.ids <- id:
	default: // a burst larger than the queue: the report falls back to short IDs
	}
}

// close ends the namer and waits (bounded) for the names still queued,
// so that no container event is written after the run directory closes.
func (n *namer) close() {
	close(n.ids)
	select {
	case <-n.done:
	case <-time.After(namerDrainWait):
	}
	n.mu.Lock()
	n.abandoned = true
	n.mu.Unlock()
}

func (n *namer) loop() {
	defer close(n.done)
	var cli *client.Client
	defer func() {
		if cli != nil {
			cli.Close()
		}
	}()
	for id := range n.ids {
		if cli == nil {
			d, ok := n.h.t.(engine.Dialer)
			if !ok {
				continue
			}
			c, err := engine.New(d)
			if err != nil {
				continue
			}
			cli = c
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		info, err := cli.ContainerInspect(ctx, id)
		cancel()
		if err != nil {
			continue // gone already, or not a Docker container (a kubelet pod)
		}
		data := containerData(id, info)
		n.mu.Lock()
		if !n.abandoned {
			_ = n.r.w.Event(results.Event{Type: results.EventContainer, Host: n.h.name, Data: data})
		}
		n.mu.Unlock()
	}
}

// containerLabels are the labels a container event carries, by the field
// name the report reads: the Swarm service (and stack) a task belongs to,
// and the pod and namespace of a container the kubelet made through
// Docker (cri-dockerd).
var containerLabels = map[string]string{
	"com.docker.swarm.service.name": "service",
	"com.docker.stack.namespace":    "stack",
	"io.kubernetes.pod.name":        "pod",
	"io.kubernetes.pod.namespace":   "namespace",
}

// containerData is the container event's data for an inspected container.
func containerData(id string, info container.InspectResponse) map[string]any {
	data := map[string]any{"id": id, "name": strings.TrimPrefix(info.Name, "/")}
	if info.Config != nil {
		data["image"] = info.Config.Image
		for key, field := range containerLabels {
			if v := info.Config.Labels[key]; v != "" {
				data[field] = v
			}
		}
	}
	return data
}
