package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/internal/cli"
)

func stopFlags(fs *flag.FlagSet) cli.Action {
	pidfile := fs.String("pidfile", "", "pid`file` written by edgerig-probe daemon (required)")
	return func(_ []string, stdio cli.IO) error { return runStop(*pidfile, stdio.Err) }
}

func runStop(pidfile string, stderr io.Writer) error {
	if pidfile == "" {
		return cli.UsageError{Msg: "--pidfile is required"}
	}
	pid, ok := running(pidfile)
	if ok {
		if err := terminate(pid, 5*time.Second); err != nil {
			return err
		}
	}
	if err := os.Remove(pidfile); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("stop: %w", err)
	}
	return nil
}

// terminate sends SIGTERM, waits up to grace, then SIGKILL, and waits for
// the process to be gone.
func terminate(pid int, grace time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		if err == syscall.ESRCH {
			return nil
		}
		return fmt.Errorf("stop: SIGTERM pid %d: %w", pid, err)
	}
	if waitGone(pid, grace) {
		return nil
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		return fmt.Errorf("stop: SIGKILL pid %d: %w", pid, err)
	}
	if !waitGone(pid, 2*time.Second) {
		return fmt.Errorf("stop: pid %d still there after SIGKILL", pid)
	}
	return nil
}

func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !alive(pid) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return !alive(pid)
}
