package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/sample"
)

// TestARMBuildsUnderQEMU cross-compiles the probe for the Raspberry Pi
// architectures (as `make probes` does) and runs each under QEMU user
// emulation: it must start, sample and stop on stdin EOF. ARMv6 runs on an
// emulated ARM1176 (Pi 1/Zero), so a v7 instruction in the armv6 build
// would fault.
func TestARMBuildsUnderQEMU(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles three builds")
	}
	testenv.Command(t, "qemu-aarch64-static", "qemu-arm-static")
	tests := []struct {
		name, goarch, goarm, qemu, cpu string
	}{
		{"arm64", "arm64", "", "qemu-aarch64-static", "cortex-a53"},
		{"armv7", "arm", "7", "qemu-arm-static", "cortex-a7"},
		{"armv6", "arm", "6", "qemu-arm-static", "arm1176"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin := filepath.Join(dir, "edgerig-probe-linux-"+tt.name)
			build := exec.Command("go", "build", "-ldflags=-s -w", "-o", bin, ".")
			build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+tt.goarch, "GOARM="+tt.goarm)
			out, err := build.CombinedOutput()
			require.NoError(t, err, string(out))

			ver, err := exec.Command(tt.qemu, "-cpu", tt.cpu, bin, "version").CombinedOutput()
			require.NoError(t, err, string(ver))
			require.True(t, strings.HasPrefix(string(ver), "edgerig-probe "), string(ver))

			p := startBin(t, tt.qemu, "-cpu", tt.cpu, bin, "--interval", "300ms", "--daemons", "dockerd,containerd")
			for seq := uint64(1); seq <= 2; seq++ {
				rec := p.record(t, 20*time.Second)
				require.Equal(t, seq, rec.Seq)
				k := kinds(rec)
				require.Equal(t, 1, k[sample.KindHost], "%s: %+v", tt.name, rec)
				require.GreaterOrEqual(t, k[sample.KindCPU], 1)
				require.Equal(t, 1, k[sample.KindProbe])
			}
			require.NoError(t, p.stdin.Close())
			require.NoError(t, p.exit(t, 20*time.Second))
		})
	}
}
