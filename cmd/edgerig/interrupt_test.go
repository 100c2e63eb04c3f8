package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/runner"
)

func TestInterruptsSecondSignalAbandons(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var out testenv.Buffer
	abandoned := make(chan struct{})
	ctx, stop := interrupts(sigs, &out, func() { close(abandoned) })
	defer stop()

	sigs <- syscall.SIGINT
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first signal did not cancel the run")
	}
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "teardown is running") }, 5*time.Second, 10*time.Millisecond)
	require.Contains(t, out.String(), "Ctrl-C again to abandon")
	select {
	case <-abandoned:
		t.Fatal("one signal abandoned teardown")
	case <-time.After(50 * time.Millisecond):
	}
	sigs <- syscall.SIGINT
	select {
	case <-abandoned:
	case <-time.After(5 * time.Second):
		t.Fatal("the second signal did not abandon teardown")
	}
}

func TestInterruptsStopIgnoresLaterSignals(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var out testenv.Buffer
	ctx, stop := interrupts(sigs, &out, func() { t.Error("abandoned after stop") })
	stop()
	sigs <- syscall.SIGINT
	time.Sleep(50 * time.Millisecond)
	require.Error(t, ctx.Err(), "stop releases the context")
	require.Empty(t, out.String())
}

// TestRunSecondInterruptAbandonsTeardown: Ctrl-C during measure starts
// teardown, whose step hangs; a second Ctrl-C ends edgerig at once (exit
// 130) and names what may be left on the host.
func TestRunSecondInterruptAbandonsTeardown(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	bin := buildBinaries(t)
	// A sleep of a length no other process has, so that the test ends
	// exactly the one it left behind.
	sleep := fmt.Sprintf("120.%d", time.Now().UnixNano()%1000000)
	dir, hosts, specPath := writeFiles(t, `name: abandon
phases:
  settle: {duration: 100ms}
  measure: {duration: 5m}
  teardown: {timeout: 5m}
probe: {interval: 500ms, containers: false}
steps:
  - {name: slow-cleanup, phase: teardown, roles: [master], run: [sleep, "`+sleep+`"], timeout: 5m}
`)
	cmd := exec.Command(filepath.Join(bin, "edgerig"), "run", specPath,
		"--hosts", hosts, "--out", filepath.Join(dir, "runs"), "--results", "")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	var runDir string
	var log strings.Builder
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
		if d, ok := strings.CutPrefix(sc.Text(), "edgerig: run directory "); ok {
			runDir = d
		}
		if strings.Contains(sc.Text(), ": measure for") {
			time.Sleep(time.Second)
			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		}
		if strings.Contains(sc.Text(), "teardown (timeout") {
			time.Sleep(500 * time.Millisecond)
			require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
			break
		}
	}
	abandonedAt := time.Now()
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	err = cmd.Wait()
	require.Less(t, time.Since(abandonedAt), 5*time.Second, "log:\n%s", log.String())
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "log:\n%s", log.String())
	require.Equal(t, 130, ee.ExitCode(), "log:\n%s", log.String())
	require.Contains(t, log.String(), "press Ctrl-C again to abandon")
	require.Contains(t, log.String(), "teardown abandoned")
	require.Contains(t, log.String(), "local: a probe daemon")
	require.Contains(t, log.String(), "what teardown step slow-cleanup undoes (sleep "+sleep+")")

	// Clean up what was abandoned, as the message says.
	require.NotEmpty(t, runDir)
	pidfile := filepath.Join(runner.DefaultRemoteDir, "runs", filepath.Base(runDir), "probe.pid")
	require.Contains(t, log.String(), pidfile)
	probes, _ := filepath.Glob(filepath.Join(runner.DefaultRemoteDir, "edgerig-probe-*"))
	for _, p := range probes {
		_ = exec.Command(p, "stop", "--pidfile", pidfile).Run()
	}
	killCmdline(t, "sleep\x00"+sleep+"\x00")
	testenv.NoProcess(t, "edgerig-probe", filepath.Base(runDir))
}

// killCmdline ends the processes whose command line is exactly cmdline
// (NUL-separated, as /proc shows it).
func killCmdline(t *testing.T, cmdline string) {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || string(b) != cmdline {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		require.NoError(t, err)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}
