package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/cli/clitest"
	"github.com/edgerig/edgerig/sample"
)

// probeBin is edgerig-probe built once for these tests: they run the real
// binary, as the runner does over SSH.
var probeBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "edgerig-test-probecmd-")
	if err != nil {
		panic(err)
	}
	probeBin = filepath.Join(dir, "edgerig-probe")
	cmd := exec.Command("go", "build", "-o", probeBin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("build edgerig-probe: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running edgerig-probe with a pipe on its stdin and a reader on
// its stdout.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *strings.Builder
	done   chan error
}

func start(t *testing.T, args ...string) *proc {
	t.Helper()
	return startBin(t, probeBin, args...)
}

func startBin(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), stderr: &strings.Builder{}, done: make(chan error, 1)}
	var err error
	p.stdin, err = p.cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := p.cmd.StdoutPipe()
	require.NoError(t, err)
	p.out = bufio.NewReader(stdout)
	p.cmd.Stderr = p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		// Drain what is left before Wait closes the pipe.
		p.done <- p.waitAfterEOF()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitAfterEOF lets the reader goroutine of the test own stdout: Wait is
// only called once the test is done reading (signalled by the pipe closing
// on exit).
func (p *proc) waitAfterEOF() error {
	st, err := p.cmd.Process.Wait()
	if err != nil {
		return err
	}
	if !st.Success() {
		return &exec.ExitError{ProcessState: st}
	}
	return nil
}

// record reads and decodes one line within timeout.
func (p *proc) record(t *testing.T, timeout time.Duration) sample.Record {
	t.Helper()
	type res struct {
		line []byte
		err  error
	}
	ch := make(chan res, 1)
	go func() {
		l, err := p.out.ReadBytes('\n')
		ch <- res{l, err}
	}()
	select {
	case r := <-ch:
		require.NoError(t, r.err, "stderr: %s", p.stderr)
		rec, err := sample.Decode(r.line)
		require.NoError(t, err)
		return rec
	case <-time.After(timeout):
		t.Fatalf("no record within %s; stderr: %s", timeout, p.stderr)
		return sample.Record{}
	}
}

// exit waits for the process to end and returns its error.
func (p *proc) exit(t *testing.T, timeout time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		return err
	case <-time.After(timeout):
		t.Fatalf("did not exit within %s; stderr: %s", timeout, p.stderr)
		return nil
	}
}

// Every command of the probe's table, walked as edgerig's are.
func TestEveryCommand(t *testing.T) {
	clitest.Walk(t, program(), func(args ...string) (string, string, int) {
		var out, errb strings.Builder
		code := realMain(args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	})
}
