// Package testenv decides, for integration tests, whether a real part
// (Docker engine, sshd, QEMU, Java) is there. Outside CI a missing part skips
// the test and says why; in CI (CI=true) it fails it, because CI's setup
// (make test → fixtures/setup/deps.sh) must have installed and started it.
package testenv

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/docker/docker/client"
)

// InCI reports whether the tests run in CI, where nothing may skip for a
// missing dependency.
func InCI() bool {
	v := os.Getenv("CI")
	return v == "true" || v == "1"
}

// Missing skips t outside CI and fails it in CI, with why.
func Missing(t testing.TB, why string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and a dependency is missing: %s (make test runs fixtures/setup/deps.sh to provide it)", why)
	}
	t.Skipf("skipped: %s (run fixtures/setup/deps.sh, or make test, to provide it)", why)
}

// Command requires the named programs on PATH.
func Command(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			Missing(t, n+" is not installed")
		}
	}
}

// Root requires running as root (network namespaces, cgroups, dockerd).
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "the test needs root")
	}
}

// Docker requires a Docker engine answering on the default socket and
// returns a client for it, closed when the test ends.
func Docker(t testing.TB) *client.Client {
	t.Helper()
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		Missing(t, "no Docker client: "+err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx); err != nil {
		cli.Close()
		Missing(t, "no Docker engine answers: "+err.Error())
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}
