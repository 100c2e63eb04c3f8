package facts_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/stretchr/testify/require"
)

// TestClockOffsetProbe measures through the real edgerig-probe's clock
// command, built for this machine, directly and through sshd.
func TestClockOffsetProbe(t *testing.T) {
	if testing.Short() {
		t.Skip("builds edgerig-probe")
	}
	probe := filepath.Join(t.TempDir(), "edgerig-probe")
	build := exec.Command("go", "build", "-o", probe, "../cmd/edgerig-probe")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	for name, tr := range hosts(t) {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			off, bound, err := facts.ClockOffsetProbe(ctx, tr, 20, probe)
			require.NoError(t, err)
			t.Logf("%s: offset %v ± %v through the probe", name, off, bound)
			require.LessOrEqual(t, off.Abs(), bound+time.Microsecond)
			require.Less(t, bound, 250*time.Millisecond)
		})
	}
}
