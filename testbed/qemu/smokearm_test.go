package qemu

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
)

// TestSmokeARM is `make smoke-arm`: an emulated arm64 and an emulated armv7
// host beside this machine, experiments/smoke-arm.yaml run across all three
// by the edgerig binary (bin/edgerig, as a user runs it), and CheckSmoke on
// the run. It runs only when EDGERIG_SMOKE_ARM=1 (make smoke-arm sets it),
// since TestBoot already covers the testbed in `make test`.
func TestSmokeARM(t *testing.T) {
	if os.Getenv("EDGERIG_SMOKE_ARM") != "1" {
		t.Skip("the ARM smoke run: make smoke-arm (EDGERIG_SMOKE_ARM=1)")
	}
	testenv.Root(t)
	testenv.Command(t, "qemu-system-aarch64", "qemu-system-arm", "qemu-img", "mkfs.ext4", "debootstrap")
	root := repoRoot(t)
	bin := filepath.Join(root, "bin", "edgerig")
	if _, err := os.Stat(bin); err != nil {
		testenv.Missing(t, bin+" (make build)")
	}
	begin := time.Now()
	dir := t.TempDir()
	cleanupTestbed(t, dir)
	_, err := Up(context.Background(), Options{Dir: dir, Arches: []string{"arm64", "armv7"}, Log: logWriter{t}})
	require.NoError(t, err)
	t.Logf("testbed up after %s", time.Since(begin).Round(time.Second))

	out := filepath.Join(dir, "runs")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--hosts", filepath.Join(dir, "hosts.yaml"), "--out", out,
		"--results", "", "--probes", filepath.Join(root, "bin", "probes"), filepath.Join(root, "experiments", "smoke-arm.yaml"))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = logWriter{t}, logWriter{t}
	require.NoError(t, cmd.Run(), "edgerig run experiments/smoke-arm.yaml")
	runs, err := filepath.Glob(filepath.Join(out, "*"))
	require.NoError(t, err)
	require.Len(t, runs, 1, "one run directory in %s", out)
	require.NoError(t, CheckSmoke(runs[0]))
	if md, err := os.ReadFile(filepath.Join(runs[0], "report", "report.md")); err == nil {
		t.Logf("report.md:\n%s", md)
	}
	require.NoError(t, Down(dir))
	require.Empty(t, qemuPids(t, dir))
	t.Logf("smoke-arm took %s", time.Since(begin).Round(time.Second))
}
