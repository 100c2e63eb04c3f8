package swarm

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/engine"
	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/transport/local"
)

// TestSetupTeardownLocal forms a one-node swarm on this machine's engine
// through the same path a run uses (engine API over the local transport)
// and leaves it again.
func TestSetupTeardownLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	testenv.SwarmFree(t)
	cli, err := engine.New(local.New("local"))
	require.NoError(t, err)
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := orchestrator.Cluster{Master: orchestrator.Node{Name: "local", T: local.New("local")}}

	d := New()
	require.NoError(t, d.Setup(ctx, c))
	t.Cleanup(func() { _ = d.Teardown(context.Background()) })
	require.NoError(t, d.Ready(ctx))
	st, err := State(ctx, cli)
	require.NoError(t, err)
	require.Equal(t, "active", st)
	ws, err := d.List(ctx)
	require.NoError(t, err)
	require.Empty(t, ws, "an idle swarm runs no task")

	require.NoError(t, d.Teardown(ctx))
	st, err = State(ctx, cli)
	require.NoError(t, err)
	require.Equal(t, "inactive", st)
	_, err = cli.VolumeInspect(ctx, MarkerVolume)
	require.Error(t, err, "the marker is removed")
}

func TestAdvertise(t *testing.T) {
	for in, want := range map[string]string{"": "127.0.0.1", "10.0.0.2": "10.0.0.2", "10.0.0.2:22": "10.0.0.2", "fe80::1": "fe80::1"} {
		require.Equal(t, want, advertise(in), in)
	}
}
