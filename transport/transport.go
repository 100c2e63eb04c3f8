// Package transport holds what every way of reaching a host shares: the
// command description, the exit error, and the quoting that keeps values from
// a spec away from a shell's interpretation.
//
// The implementations live in subpackages (local, ssh) and all pass the
// conformance suite in transporttest. Consumers declare the small interface
// they need themselves; Transport below is the one the runner uses.
package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
)

// Cmd is a command to run on a host. Args is an argument vector, never a
// shell string: a transport that must go through a shell quotes every
// element with Quote, so `;`, `$()` and quotes in a value stay literal.
type Cmd struct {
	Args   []string
	Stdin  io.Reader // nil: empty input
	Stdout io.Writer // nil: discarded
	Stderr io.Writer // nil: discarded
}

// Transport runs commands on one host and copies files to it.
type Transport interface {
	// Run runs c and waits for it. Cancelling ctx ends the command. A
	// non-zero exit is reported as *ExitError.
	Run(ctx context.Context, c Cmd) error
	// Copy writes the local file src to dst on the host with mode perm,
	// atomically (a reader never sees a partial dst).
	Copy(ctx context.Context, src, dst string, perm os.FileMode) error
	// Close releases the connection. Commands still running are ended.
	Close() error
}

// ExitError is a command that ran and exited non-zero.
type ExitError struct {
	Host   string
	Args   []string
	Code   int
	Stderr string // the last part of what the command wrote to stderr, if captured
}

func (e *ExitError) Error() string {
	msg := fmt.Sprintf("%s: %s: exit status %d", e.Host, Quote(e.Args), e.Code)
	if s := strings.TrimSpace(e.Stderr); s != "" {
		msg += ": " + s
	}
	return msg
}

// Quote renders args as one POSIX shell command line in which every
// element is a single literal word.
func Quote(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(QuoteArg(a))
	}
	return b.String()
}

// QuoteArg quotes one word for a POSIX shell. Words made only of safe
// characters are left bare so that logged commands stay readable.
func QuoteArg(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Output runs c on t and returns its standard output; stderr is kept for
// the error message.
func Output(ctx context.Context, t Transport, args ...string) (string, error) {
	var out strings.Builder
	err := t.Run(ctx, Cmd{Args: args, Stdout: &out})
	return out.String(), err
}

// Tail is a writer that keeps only the last few KiB written to it: enough
// of a command's stderr for an error message, bounded for a chatty command.
type Tail struct{ b bytes.Buffer }

func (t *Tail) Write(p []byte) (int, error) {
	t.b.Write(p)
	if t.b.Len() > 8192 {
		rest := append([]byte(nil), t.b.Bytes()[t.b.Len()-4096:]...)
		t.b.Reset()
		t.b.Write(rest)
	}
	return len(p), nil
}

// String returns what is kept.
func (t *Tail) String() string { return t.b.String() }
