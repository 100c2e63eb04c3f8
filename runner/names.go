package runner

import (
	"context"
	"strings"
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
}

func newNamer(r *run, h *hostConn) *namer {
	n := &namer{r: r, h: h, seen: map[string]bool{}, ids: make(chan string, 256)}
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

func (n *namer) close() { close(n.ids) }

func (n *namer) loop() {
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
		_ = n.r.w.Event(results.Event{Type: results.EventContainer, Host: n.h.name, Data: data})
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
