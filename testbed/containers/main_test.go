package containers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/transport"
)

// One 3-node testbed serves every integration test of the package: nodes
// start in seconds, but the first image build takes a minute or more.
var shared struct {
	once sync.Once
	tb   *Testbed
	cli  *client.Client
	dir  string
	err  error
	took time.Duration
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if shared.tb != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		if err := Down(ctx, shared.cli, shared.dir, nil); err != nil {
			fmt.Fprintln(os.Stderr, "testbed down:", err)
			code = 1
		}
		cancel()
	}
	if shared.dir != "" {
		os.RemoveAll(shared.dir)
	}
	if shared.cli != nil {
		shared.cli.Close()
	}
	os.Exit(code)
}

// integration skips t in -short runs and checks the real parts the
// testbed needs: root, a Docker engine, debootstrap and an OpenSSH client.
func integration(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test (real Docker engine)")
	}
	testenv.Root(t)
	testenv.Command(t, "debootstrap", "tar", "ssh")
	testenv.Docker(t)
}

func progress() io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}

// testID is a testbed id that no other test run on the engine uses.
func testID() string {
	b := make([]byte, 3)
	rand.Read(b)
	return "test" + hex.EncodeToString(b)
}

// sharedTestbed brings up the package's 3-node testbed on first use.
func sharedTestbed(t *testing.T) *Testbed {
	t.Helper()
	integration(t)
	shared.once.Do(func() {
		shared.cli, shared.err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if shared.err != nil {
			return
		}
		shared.dir, shared.err = os.MkdirTemp("", "edgerig-test-containers-")
		if shared.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
		defer cancel()
		start := time.Now()
		shared.tb, shared.err = Up(ctx, shared.cli, Options{Nodes: 3, Dir: shared.dir, ID: testID(), Progress: progress()})
		shared.took = time.Since(start)
	})
	require.NoError(t, shared.err, "bringing up the shared testbed")
	t.Logf("shared testbed %s came up in %.1fs (image build included if the cache was cold)", shared.tb.ID, shared.took.Seconds())
	return shared.tb
}

// openSSH runs a command on node with the real OpenSSH client, strictly
// checking the host key against the testbed's known_hosts.
func openSSH(ctx context.Context, tb *Testbed, knownHosts, node string, args ...string) (string, error) {
	n, err := tb.Node(node)
	if err != nil {
		return "", err
	}
	argv := []string{
		"-i", tb.Dir + "/" + IdentityFile,
		"-o", "UserKnownHostsFile=" + knownHosts,
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
		"-o", "ConnectTimeout=3",
		"-o", "LogLevel=ERROR",
		"root@" + n.Address, "--", transport.Quote(args), // ssh joins its arguments for the remote shell
	}
	out, err := exec.CommandContext(ctx, "ssh", argv...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("ssh %s %s: %w: %s", node, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}
