package binaries

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
)

// List reads a captured pod list: every pod with its node, namespace,
// owner (the Deployment, not its ReplicaSet), phase and container IDs.
func TestParsePods(t *testing.T) {
	data, err := os.ReadFile("testdata/captured-pods.json")
	require.NoError(t, err)
	ws, err := parsePods(data)
	require.NoError(t, err)
	require.Len(t, ws, 6)
	byOwner := map[string][]orchestrator.Workload{}
	for _, w := range ws {
		require.Equal(t, "Running", w.State, w.Name)
		require.NotEmpty(t, w.Node, w.Name)
		require.Len(t, w.Containers, 1, w.Name)
		require.Regexp(t, "^[0-9a-f]{64}$", w.Containers[0], "the containerd:// prefix is stripped")
		byOwner[w.Service] = append(byOwner[w.Service], w)
	}
	require.Len(t, byOwner["web"], 3)
	require.Len(t, byOwner["coredns"], 2)
	require.Equal(t, "kube-system", byOwner["coredns"][0].Namespace)
	require.Len(t, byOwner[""], 1, "the client pod has no owner")
	_, err = parsePods([]byte("{not json"))
	require.ErrorContains(t, err, "parsing the pod list")
}

func TestReadyNodes(t *testing.T) {
	data, err := os.ReadFile("testdata/captured-nodes.json")
	require.NoError(t, err)
	f := &fake{respond: func(args []string) (string, error) { return string(data), nil }}
	ready, err := readyNodes(context.Background(), f, DefaultLayout)
	require.NoError(t, err)
	require.Equal(t, []string{"node1", "node2", "node3", "node4"}, ready)
}
