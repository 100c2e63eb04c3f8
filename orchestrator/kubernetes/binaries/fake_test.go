package binaries

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/edgerig/edgerig/transport"
)

// fake is a recording transport: it keeps every command and answers each
// with what respond says (nil: success, no output).
type fake struct {
	mu      sync.Mutex
	name    string
	calls   [][]string
	respond func(args []string) (string, error)
}

func (f *fake) Run(ctx context.Context, c transport.Cmd) error {
	f.mu.Lock()
	f.calls = append(f.calls, c.Args)
	respond := f.respond
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if respond == nil {
		return nil
	}
	out, err := respond(c.Args)
	if c.Stdout != nil {
		io.WriteString(c.Stdout, out)
	}
	return err
}

func (f *fake) Copy(ctx context.Context, src, dst string, perm os.FileMode) error {
	return f.Run(ctx, transport.Cmd{Args: []string{"copy", src, dst}})
}

func (f *fake) Close() error { return nil }

// scripts returns, for each sh -c call, the script's step name found by
// match (the first line of the script) and its arguments.
func (f *fake) shCalls() [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out [][]string
	for _, c := range f.calls {
		if len(c) >= 4 && c[0] == "sh" && c[1] == "-c" {
			out = append(out, append([]string{firstLine(c[2])}, c[4:]...))
		}
	}
	return out
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// exitErr is a command that failed the way a real host's would.
func exitErr(host string, args []string, msg string) error {
	return &transport.ExitError{Host: host, Args: args, Code: 1, Stderr: msg}
}

var _ = fmt.Sprintf
