package containerstest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestUp(t *testing.T) {
	tb := Up(t, "ctest", 2)
	require.Len(t, tb.Nodes, 2)
	require.True(t, strings.HasPrefix(tb.ID, "ctest"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := tb.Run(ctx, "node2", nil, "docker", "info", "--format", "{{.Name}}")
	require.NoError(t, err)
	require.Equal(t, "node2", strings.TrimSpace(out))
}
