package testenv

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Lock takes a machine-wide lock named name for the rest of the test.
// `go test ./...` runs packages in parallel; tests of different packages
// that change shared machine state — the host engine's Swarm membership,
// above all — take the same lock so they never see each other's changes.
func Lock(t testing.TB, name string) {
	t.Helper()
	path := filepath.Join(os.TempDir(), "edgerig-test-"+name+".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatalf("lock %s: %v", name, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("lock %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}

// HostSwarm is the lock name for tests that init or leave a Swarm on this
// machine's Docker engine.
const HostSwarm = "host-swarm"
