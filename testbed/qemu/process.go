package qemu

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// readPid reads the process id QEMU wrote to path.
func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("no pidfile: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pidfile %s: bad content %q", path, b)
	}
	return pid, nil
}

// ours reports whether pid is still the QEMU started with pidfile: a pid
// alone can be reused by an unrelated process after QEMU exits, and down
// must never signal someone else's process.
func ours(pid int, pidfile string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil {
		return false
	}
	return bytes.Contains(b, []byte("qemu-system")) && bytes.Contains(b, []byte(pidfile))
}

// stopPid ends the QEMU behind pidfile: SIGTERM (QEMU exits at once and
// closes its disks), then SIGKILL if it is still there after grace. A
// pidfile whose process is gone is not an error: the VM was already down.
func stopPid(pidfile string, grace time.Duration) error {
	pid, err := readPid(pidfile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !ours(pid, pidfile) {
		os.Remove(pidfile)
		return nil
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		if err := syscall.Kill(pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
			return fmt.Errorf("signal qemu pid %d: %w", pid, err)
		}
		deadline := time.Now().Add(grace)
		for time.Now().Before(deadline) {
			if !ours(pid, pidfile) {
				os.Remove(pidfile)
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return fmt.Errorf("qemu pid %d (%s) still running after SIGKILL", pid, pidfile)
}

// killPid ends the QEMU behind pidfile at once, the way a node is lost
// (power cut): no shutdown, no flush.
func killPid(pidfile string) error {
	pid, err := readPid(pidfile)
	if err != nil {
		return err
	}
	if !ours(pid, pidfile) {
		return fmt.Errorf("qemu pid %d (%s) is not running", pid, pidfile)
	}
	return syscall.Kill(pid, syscall.SIGKILL)
}
