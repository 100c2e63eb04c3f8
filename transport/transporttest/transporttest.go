// Package transporttest is the conformance suite every transport passes
// (local, ssh): the runner relies on these behaviours whatever the host.
// Everything is checked through the transport under test itself (cat,
// stat, /proc), so the suite also runs against remote hosts.
package transporttest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/transport"
	"github.com/stretchr/testify/require"
)

// Run runs the suite; newT returns a fresh transport for each subtest (the
// suite closes it).
func Run(t *testing.T, newT func(t *testing.T) transport.Transport) {
	tests := []struct {
		name string
		fn   func(t *testing.T, tr transport.Transport)
	}{
		{"ArgvLiteral", testArgvLiteral},
		{"EmptyArgs", testEmptyArgs},
		{"ExitError", testExitError},
		{"StdinStreaming", testStdinStreaming},
		{"StdinEOF", testStdinEOF},
		{"ExitWithStdinOpen", testExitWithStdinOpen},
		{"StdoutBeforeExit", testStdoutBeforeExit},
		{"CancelEndsCommand", testCancel},
		{"EndedContextRunsNothing", testEndedContext},
		{"Copy", testCopy},
		{"LargeOutput", testLargeOutput},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := newT(t)
			t.Cleanup(func() { _ = tr.Close() })
			tc.fn(t, tr)
		})
	}
}

// ctx bounds every step of the suite, so that a broken transport fails
// instead of hanging.
func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// tempDir makes a directory on the host and removes it when t ends.
func tempDir(t *testing.T, tr transport.Transport) string {
	out, err := transport.Output(ctx(t), tr, "mktemp", "-d", "/tmp/edgerig-test-transport.XXXXXX")
	require.NoError(t, err)
	dir := strings.TrimSpace(out)
	require.True(t, strings.HasPrefix(dir, "/tmp/edgerig-test-transport."), "mktemp said %q", out)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = tr.Run(c, transport.Cmd{Args: []string{"rm", "-rf", dir}})
	})
	return dir
}

// exists reports whether path exists on the host.
func exists(t *testing.T, tr transport.Transport, path string) bool {
	err := tr.Run(ctx(t), transport.Cmd{Args: []string{"test", "-e", path}})
	if err == nil {
		return true
	}
	var ee *transport.ExitError
	require.ErrorAs(t, err, &ee)
	require.Equal(t, 1, ee.Code)
	return false
}

func testArgvLiteral(t *testing.T, tr transport.Transport) {
	dir := tempDir(t, tr)
	marker := filepath.Join(dir, "injected")
	args := []string{
		"; touch " + marker,
		"$(touch " + marker + ")",
		"`touch " + marker + "`",
		"&& touch " + marker,
		"| touch " + marker,
		"> " + marker,
		"\n touch " + marker,
		"a'b", `a"b`, "'", "''", `\`, `\'`, "two words", " leading and trailing ",
		"line1\nline2", "", " ", "\t", "*", "?", "[a]", "~", "~root", "$HOME", "${HOME}", "$'x'",
		"-n", "--", "#comment", "!", "ünïcødé ✓", "%s %d",
	}
	var want bytes.Buffer
	for _, a := range args {
		want.WriteString(a)
		want.WriteByte(0)
	}
	var out bytes.Buffer
	err := tr.Run(ctx(t), transport.Cmd{Args: append([]string{"printf", `%s\000`}, args...), Stdout: &out})
	require.NoError(t, err)
	require.Equal(t, want.String(), out.String(), "arguments must reach the program byte for byte")
	require.False(t, exists(t, tr, marker), "an argument was interpreted by a shell: %s exists", marker)
}

func testEmptyArgs(t *testing.T, tr transport.Transport) {
	require.Error(t, tr.Run(ctx(t), transport.Cmd{}))
}

func testExitError(t *testing.T, tr transport.Transport) {
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"sh", "-c", "echo oops >&2; exit 3"}, 3, "oops"},
		{[]string{"false"}, 1, ""},
		{[]string{"sh", "-c", "exit 255"}, 255, ""},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			err := tr.Run(ctx(t), transport.Cmd{Args: tc.args, Stderr: &stderr})
			var ee *transport.ExitError
			require.ErrorAs(t, err, &ee)
			require.Equal(t, tc.code, ee.Code)
			require.Equal(t, tc.args, ee.Args)
			require.Contains(t, ee.Stderr, tc.stderr)
			require.Contains(t, stderr.String(), tc.stderr, "stderr is also streamed to Cmd.Stderr")
			require.Contains(t, err.Error(), strconv.Itoa(tc.code))
		})
	}
	t.Run("not found", func(t *testing.T) {
		require.Error(t, tr.Run(ctx(t), transport.Cmd{Args: []string{"edgerig-no-such-program-xyz"}}))
	})
}

// waitFor polls the output until it holds want or the time is up.
func waitFor(t *testing.T, out *testenv.Buffer, want string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !strings.Contains(out.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("output %q does not contain %q after %v", out.String(), want, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func testStdinStreaming(t *testing.T, tr transport.Transport) {
	pr, pw := io.Pipe()
	var out testenv.Buffer
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx(t), transport.Cmd{Args: []string{"cat"}, Stdin: pr, Stdout: &out}) }()
	for i := range 3 {
		line := fmt.Sprintf("line %d\n", i)
		_, err := pw.Write([]byte(line))
		require.NoError(t, err)
		// The echo comes back while stdin is still open: input and output
		// both stream.
		waitFor(t, &out, line, 10*time.Second)
	}
	select {
	case err := <-done:
		t.Fatalf("cat ended before its stdin was closed: %v", err)
	default:
	}
	require.NoError(t, pw.Close())
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("closing stdin did not reach the command as EOF")
	}
	require.Equal(t, "line 0\nline 1\nline 2\n", out.String())
}

func testStdinEOF(t *testing.T, tr transport.Transport) {
	out, err := runOut(t, tr, strings.NewReader(strings.Repeat("x", 1<<20)), "wc", "-c")
	require.NoError(t, err)
	require.Equal(t, "1048576", strings.TrimSpace(out))
	out, err = runOut(t, tr, nil, "cat")
	require.NoError(t, err, "a nil Stdin is an empty input")
	require.Empty(t, out)
}

// testExitWithStdinOpen: a command that exits while its input is still
// open must end the Run all the same. The runner's probe stream keeps
// stdin open until it stops, and must notice a probe that died.
func testExitWithStdinOpen(t *testing.T, tr transport.Transport) {
	in, w := io.Pipe()
	defer w.Close()
	done := make(chan error, 1)
	go func() { done <- tr.Run(ctx(t), transport.Cmd{Args: []string{"sh", "-c", "exit 4"}, Stdin: in}) }()
	select {
	case err := <-done:
		var ee *transport.ExitError
		require.ErrorAs(t, err, &ee)
		require.Equal(t, 4, ee.Code)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the command exited with its stdin still open")
	}
}

func runOut(t *testing.T, tr transport.Transport, in io.Reader, args ...string) (string, error) {
	var out bytes.Buffer
	err := tr.Run(ctx(t), transport.Cmd{Args: args, Stdin: in, Stdout: &out})
	return out.String(), err
}

func testStdoutBeforeExit(t *testing.T, tr transport.Transport) {
	pr, pw := io.Pipe()
	defer pw.Close()
	var out testenv.Buffer
	done := make(chan error, 1)
	go func() {
		done <- tr.Run(ctx(t), transport.Cmd{Args: []string{"sh", "-c", `echo ready; read x; echo "got $x"`}, Stdin: pr, Stdout: &out})
	}()
	waitFor(t, &out, "ready\n", 10*time.Second)
	_, err := pw.Write([]byte("go\n"))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	require.NoError(t, <-done)
	require.Equal(t, "ready\ngot go\n", out.String())
}

func testCancel(t *testing.T, tr transport.Transport) {
	for _, tc := range []struct{ name, script string }{
		{"exec", `echo $$; exec sleep 60`},
		{"child", `sleep 60 & echo $!; wait`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, cancel := context.WithCancel(ctx(t))
			defer cancel()
			var out testenv.Buffer
			done := make(chan error, 1)
			go func() { done <- tr.Run(c, transport.Cmd{Args: []string{"sh", "-c", tc.script}, Stdout: &out}) }()
			waitFor(t, &out, "\n", 10*time.Second)
			pid, err := strconv.Atoi(strings.TrimSpace(out.String()))
			require.NoError(t, err)
			start := time.Now()
			cancel()
			select {
			case err := <-done:
				require.ErrorIs(t, err, context.Canceled)
			case <-time.After(10 * time.Second):
				t.Fatal("cancelling ctx did not end the command within 10 s")
			}
			require.Less(t, time.Since(start), 5*time.Second, "a cancelled sleep should end quickly")
			deadline := time.Now().Add(5 * time.Second)
			for alive(t, tr, pid) {
				if time.Now().After(deadline) {
					t.Fatalf("process %d (sleep 60) still runs after cancel", pid)
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}

// alive reports whether pid runs on the host (a zombie counts as ended).
func alive(t *testing.T, tr transport.Transport, pid int) bool {
	out, err := transport.Output(ctx(t), tr, "cat", "/proc/"+strconv.Itoa(pid)+"/stat")
	var ee *transport.ExitError
	if errors.As(err, &ee) {
		return false
	}
	require.NoError(t, err)
	i := strings.LastIndexByte(out, ')')
	require.Positive(t, i, "stat: %q", out)
	f := strings.Fields(out[i+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

func testLargeOutput(t *testing.T, tr transport.Transport) {
	var out, errOut counter
	require.NoError(t, tr.Run(ctx(t), transport.Cmd{Args: []string{"head", "-c", "8388608", "/dev/zero"}, Stdout: &out}))
	require.EqualValues(t, 8<<20, out.n.Load())
	out.n.Store(0)
	// Both streams at once, large enough to fill any pipe buffer: a
	// transport that drains them one after the other deadlocks here.
	script := "head -c 4194304 /dev/zero; head -c 4194304 /dev/zero >&2; head -c 1048576 /dev/zero"
	require.NoError(t, tr.Run(ctx(t), transport.Cmd{Args: []string{"sh", "-c", script}, Stdout: &out, Stderr: &errOut}))
	require.EqualValues(t, 5<<20, out.n.Load())
	require.EqualValues(t, 4<<20, errOut.n.Load())
}

func testConcurrent(t *testing.T, tr transport.Transport) {
	var wg sync.WaitGroup
	errs := make([]error, 8)
	outs := make([]string, 8)
	for i := range 8 {
		wg.Go(func() {
			outs[i], errs[i] = transport.Output(ctx(t), tr, "sh", "-c", "sleep 0.2; echo $0", strconv.Itoa(i))
		})
	}
	wg.Wait()
	for i := range 8 {
		require.NoError(t, errs[i])
		require.Equal(t, strconv.Itoa(i)+"\n", outs[i])
	}
}

// testEndedContext: a command given an already ended context is not
// started, and the error says why.
func testEndedContext(t *testing.T, tr transport.Transport) {
	dir := tempDir(t, tr)
	c, cancel := context.WithCancel(ctx(t))
	cancel()
	mark := dir + "/ran"
	err := tr.Run(c, transport.Cmd{Args: []string{"touch", mark}})
	require.ErrorIs(t, err, context.Canceled)
	require.False(t, exists(t, tr, mark), "the command did not run")
}
