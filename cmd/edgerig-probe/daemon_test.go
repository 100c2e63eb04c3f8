package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/edgerig/edgerig/probes/spool"
)

// subreaper makes this test process adopt the detached sampler (it is
// orphaned when `edgerig-probe daemon` returns), so the test can reap it and
// see how it exited, rather than leave a zombie to the machine's init.
func subreaper(t *testing.T) {
	t.Helper()
	require.NoError(t, unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
}

// runCmd runs edgerig-probe to completion and returns its combined output.
func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(probeBin, args...)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		out, err = cmd.CombinedOutput()
		close(done)
	}()
	select {
	case <-done:
		return string(out), err
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%v did not return within 20s", args)
		return "", nil
	}
}

// reap waits (up to d) for an adopted process to exit and returns its
// status; ok is false if it is still running.
func reap(pid int, d time.Duration) (syscall.WaitStatus, bool) {
	deadline := time.Now().Add(d)
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if got == pid {
			return ws, true
		}
		if err == syscall.ECHILD {
			// Not our child after all: gone is what matters.
			_, statErr := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
			return 0, os.IsNotExist(statErr)
		}
		if time.Now().After(deadline) {
			return 0, false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDaemonTailResume is the lost-connection contract: a detached sampler
// spools; a tail reader is killed mid-stream; a new tail with --resume-from
// LAST continues at LAST+1 without a gap (across spool rotations, too); stop
// ends the sampler, which exits cleanly and leaves no process.
func TestDaemonTailResume(t *testing.T) {
	subreaper(t)
	dir := t.TempDir()
	sp, pidf := filepath.Join(dir, "probe.spool"), filepath.Join(dir, "probe.pid")
	out, err := runCmd(t, "daemon", "--spool", sp, "--pidfile", pidf, "--interval", "50ms", "--containers=false", "--daemons", "", "--spool-max", "8KiB")
	require.NoError(t, err, out)
	require.Empty(t, out, "daemon prints nothing")
	pid, err := readPid(pidf)
	require.NoError(t, err)
	require.True(t, alive(pid))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL); reap(pid, 2*time.Second) })

	out, err = runCmd(t, "daemon", "--spool", sp, "--pidfile", pidf)
	require.Error(t, err, "a second daemon on the same pidfile")
	require.Contains(t, out, "already running")

	t1 := start(t, "tail", "--spool", sp)
	var last uint64
	for i := 0; i < 8; i++ {
		rec := t1.record(t, 5*time.Second)
		if i > 0 {
			require.Equal(t, last+1, rec.Seq)
		}
		last = rec.Seq
	}
	_, err = os.Stat(sp + ".reader")
	require.NoError(t, err, "tail marks itself attached")
	require.NoError(t, t1.cmd.Process.Kill()) // the reader vanishes mid-stream
	time.Sleep(700 * time.Millisecond)        // the sampler goes on meanwhile

	t2 := start(t, "tail", "--spool", sp, "--resume-from", strconv.FormatUint(last, 10))
	for i := 0; i < 40; i++ { // more than one spool's worth: crosses rotations
		rec := t2.record(t, 5*time.Second)
		require.Equal(t, last+1, rec.Seq, "gap after seq %d", last)
		last = rec.Seq
	}
	_, err = os.Stat(sp + ".1")
	require.NoError(t, err, "the spool rotated during the test")
	require.NoError(t, t2.stdin.Close())
	require.NoError(t, t2.exit(t, 5*time.Second))

	out, err = runCmd(t, "stop", "--pidfile", pidf)
	require.NoError(t, err, out)
	ws, gone := reap(pid, 5*time.Second)
	require.True(t, gone, "sampler %d still there after stop", pid)
	require.True(t, ws.Exited() && ws.ExitStatus() == 0, "sampler exit status %v", ws)
	_, err = os.Stat(pidf)
	require.True(t, os.IsNotExist(err), "stop removes the pidfile")

	out, err = runCmd(t, "stop", "--pidfile", pidf)
	require.NoError(t, err, "stop with nothing running: %s", out)
}

// TestDaemonOrphanTimeout: without any tail attached the sampler exits by
// itself after --orphan-timeout and removes its pidfile.
func TestDaemonOrphanTimeout(t *testing.T) {
	subreaper(t)
	dir := t.TempDir()
	sp, pidf := filepath.Join(dir, "probe.spool"), filepath.Join(dir, "probe.pid")
	out, err := runCmd(t, "daemon", "--spool", sp, "--pidfile", pidf, "--interval", "100ms", "--containers=false", "--orphan-timeout", "1s")
	require.NoError(t, err, out)
	pid, err := readPid(pidf)
	require.NoError(t, err)
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL); reap(pid, 2*time.Second) })
	ws, gone := reap(pid, 6*time.Second)
	require.True(t, gone, "orphaned sampler still running")
	require.Equal(t, 0, ws.ExitStatus())
	_, err = os.Stat(pidf)
	require.True(t, os.IsNotExist(err))
	last, err := readSpoolLast(sp)
	require.NoError(t, err)
	require.GreaterOrEqual(t, last, uint64(5), "it sampled until then")
}

// TestStopStalePidfile: a pidfile naming a live process that is not a probe
// (its PID reused) is removed without signalling that process.
func TestStopStalePidfile(t *testing.T) {
	sleeper := exec.Command("sleep", "30")
	require.NoError(t, sleeper.Start())
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	pidf := filepath.Join(t.TempDir(), "probe.pid")
	require.NoError(t, writePid(pidf, sleeper.Process.Pid))
	out, err := runCmd(t, "stop", "--pidfile", pidf)
	require.NoError(t, err, out)
	require.NoError(t, sleeper.Process.Signal(syscall.Signal(0)), "stop signalled a process that is not a probe")
	_, err = os.Stat(pidf)
	require.True(t, os.IsNotExist(err))
}

func readSpoolLast(path string) (uint64, error) { return spool.LastSeq(path) }

// TestDaemonFailsVisibly: a sampler that cannot open its spool makes
// `edgerig-probe daemon` fail, rather than return 0 and die unseen.
func TestDaemonFailsVisibly(t *testing.T) {
	dir := t.TempDir()
	out, err := runCmd(t, "daemon", "--spool", filepath.Join(dir, "no/such/dir/spool"), "--pidfile", filepath.Join(dir, "probe.pid"))
	require.Error(t, err)
	require.Contains(t, out, "exited before writing")
	require.Contains(t, out, "no such file or directory", "the sampler's own error is passed on")
}
