package testenv

import (
	"os"
	"path/filepath"
	"strings"
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
