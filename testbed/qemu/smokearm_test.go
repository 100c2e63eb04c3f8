package qemu

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/results"
)

// TestSmokeARM is `make smoke-arm`: an emulated arm64 and an emulated armv7
// host beside this machine, experiments/smoke-arm.yaml run across all three
// by the edgerig binary (bin/edgerig, as a user runs it), and CheckSmoke on
// the run; then a quick run that loses armv7-1 during measure. It runs only when EDGERIG_SMOKE_ARM=1 (make smoke-arm sets it),
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
	t.Logf("smoke run checked after %s", time.Since(begin).Round(time.Second))

	// A node lost during measure: armv7-1 is killed (power cut) a few
	// seconds into the measure phase of a quick run. The run must still
	// complete, with a node-lost event for it.
	lostOut := filepath.Join(dir, "runs-lost")
	cmd = exec.CommandContext(ctx, bin, "run", "--quick", "--hosts", filepath.Join(dir, "hosts.yaml"), "--out", lostOut,
		"--results", "", "--no-report", "--probes", filepath.Join(root, "bin", "probes"), filepath.Join(root, "experiments", "smoke-arm.yaml"))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = logWriter{t}, logWriter{t}
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tb, err := Load(dir)
	require.NoError(t, err)
	killed := false
	for !killed {
		select {
		case err := <-done:
			t.Fatalf("the run ended (%v) before its measure phase was seen", err)
		case <-time.After(500 * time.Millisecond):
		}
		if runs, _ := filepath.Glob(filepath.Join(lostOut, "*", "events.jsonl")); len(runs) == 1 {
			if b, _ := os.ReadFile(runs[0]); measureStarted(b) {
				time.Sleep(3 * time.Second)
				require.NoError(t, tb.Kill("armv7-1"))
				t.Log("killed armv7-1")
				killed = true
			}
		}
	}
	require.NoError(t, <-done, "a run that loses a node still completes")
	runs, err = filepath.Glob(filepath.Join(lostOut, "*"))
	require.NoError(t, err)
	run, err := results.Read(runs[0])
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, run.Manifest.Status, run.Manifest.Error)
	lost := false
	for _, e := range run.Events {
		if e.Type == results.EventNodeLost && e.Host == "armv7-1" {
			lost = true
		}
	}
	require.True(t, lost, "a node-lost event for armv7-1 in %s", runs[0])

	require.NoError(t, Down(dir))
	require.Empty(t, qemuPids(t, dir))
	t.Logf("smoke-arm took %s", time.Since(begin).Round(time.Second))
}

// measureStarted reports whether events.jsonl has reached a measure phase.
func measureStarted(events []byte) bool {
	for _, line := range bytes.Split(events, []byte("\n")) {
		var e results.Event
		if json.Unmarshal(line, &e) == nil && e.Type == results.EventPhaseStart && e.Phase == "measure" {
			return true
		}
	}
	return false
}
