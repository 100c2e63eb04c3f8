package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// NoProcess fails t if a running process's command line contains every one
// of parts: how tests prove that nothing they started (a probe daemon above
// all) was left behind. Zombies, which hold nothing, do not count.
func NoProcess(t testing.TB, parts ...string) {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			continue
		}
		cmdline := strings.ReplaceAll(strings.TrimRight(string(b), "\x00"), "\x00", " ")
		all := true
		for _, part := range parts {
			all = all && strings.Contains(cmdline, part)
		}
		if all {
			t.Fatalf("a process is still running (%s): %s", filepath.Dir(p), cmdline)
		}
	}
}

// Kill sends SIGKILL to every process named comm whose command line
// contains marker, and returns how many it killed: how failure tests make
// a daemon die as a crash would, also inside a container-testbed node (the
// nodes' processes are this machine's).
func Kill(t testing.TB, comm, marker string) int {
	t.Helper()
	n := 0
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		c, err := os.ReadFile(d + "/comm")
		if err != nil || strings.TrimSpace(string(c)) != comm {
			continue
		}
		cmd, _ := os.ReadFile(d + "/cmdline")
		if !strings.Contains(string(cmd), marker) {
			continue
		}
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("kill %s (%d): %v", comm, pid, err)
		}
		n++
	}
	return n
}
