package runner

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/spec"
)

// What an abandoned teardown may leave is named per host, with the
// command that removes it, for each orchestrator a trial sets up.
func TestLeftoversNameTheOrchestrators(t *testing.T) {
	s, err := spec.Parse("x.yaml", []byte("name: x\nmatrix: {orchestrator.kind: [swarm, kubernetes]}\nprobe: {roles: [master]}\n"))
	require.NoError(t, err)
	cfg := Config{Spec: s, Hosts: []inventory.Host{
		{Name: "m", Roles: []string{"master"}}, {Name: "w", Roles: []string{"worker"}}, {Name: "c", Roles: []string{"collector"}}}}
	lines := Leftovers(cfg, "/runs/x-20260101-000000-abcd")
	require.Len(t, lines, 2, "%q", lines)
	require.Contains(t, lines[0], "m: a probe daemon")
	require.Contains(t, lines[0], "kubeadm reset -f")
	require.Contains(t, lines[0], "docker swarm leave --force")
	require.Contains(t, lines[1], "w: a Kubernetes node")
	require.NotContains(t, lines[1], "probe daemon")
}
