package binaries

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
)

// Ready returns at once, wrapping context.Canceled, when its context is
// cancelled, and never claims readiness it did not see.
func TestReadyHonoursCancel(t *testing.T) {
	p := testPlan(t)
	f := &fake{respond: func(args []string) (string, error) { return "", errors.New("apiserver not answering") }}
	d := New(Config{})
	d.cluster = &orchestrator.Cluster{Master: orchestrator.Node{Name: "node1", T: f}}
	d.plan = p
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	err := d.Ready(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.Less(t, time.Since(start), 5*time.Second)

	ctx, cancel = context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	err = d.Ready(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorContains(t, err, "apiserver not answering", "the last reason is kept")

	require.ErrorContains(t, New(Config{}).Ready(context.Background()), "not set up")
}
