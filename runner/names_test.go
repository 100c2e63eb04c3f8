package runner

import (
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/stretchr/testify/require"
)

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
