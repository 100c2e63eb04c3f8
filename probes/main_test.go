package probes

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/probes/internal/loadimage"
)

// burnDir holds the burn helper built once for this test binary.
var (
	burnDir  string
	burnOnce sync.Once
	burnPath string
	burnErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "edgerig-test-probes-")
	if err != nil {
		panic(err)
	}
	burnDir = dir
	code := m.Run()
	cleanupImage()
	os.RemoveAll(dir)
	os.Exit(code)
}

// burnBinary builds the burn helper (a static Go binary) once.
func burnBinary(t *testing.T) string {
	t.Helper()
	burnOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		burnPath, burnErr = loadimage.BuildBinary(ctx, burnDir)
	})
	require.NoError(t, burnErr)
	return burnPath
}
