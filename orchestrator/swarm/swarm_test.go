package swarm

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/engine"
	"github.com/edgerig/edgerig/internal/testenv"
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
	n := Node{Name: "local", Docker: cli}

	var d Driver
	require.NoError(t, d.Setup(ctx, n, nil))
	t.Cleanup(func() { _ = d.Teardown(context.Background()) })
	st, err := State(ctx, n)
	require.NoError(t, err)
	require.Equal(t, "active", st)

	// A second driver must refuse the swarm the first one made.
	var other Driver
	err = other.Setup(ctx, n, nil)
	require.ErrorContains(t, err, "already in a swarm")
	require.NoError(t, other.Teardown(ctx), "teardown of a refused setup touches nothing")
	st, _ = State(ctx, n)
	require.Equal(t, "active", st)

	require.NoError(t, d.Teardown(ctx))
	st, err = State(ctx, n)
	require.NoError(t, err)
	require.Equal(t, "inactive", st)
}

func TestAdvertise(t *testing.T) {
	for in, want := range map[string]string{"": "127.0.0.1", "10.0.0.2": "10.0.0.2", "10.0.0.2:22": "10.0.0.2", "fe80::1": "fe80::1"} {
		require.Equal(t, want, advertise(in), in)
	}
}
