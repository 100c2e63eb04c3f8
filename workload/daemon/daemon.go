// Package daemon runs a long-lived command (a NameNode, a Spark worker, the
// streaming job) on a host through its transport, and stops it: the command
// runs for as long as its context, so stopping is cancelling and waiting,
// and the transport ends the whole process group.
package daemon

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/edgerig/edgerig/transport"
)

// Runner is what a daemon needs of a host's transport.
type Runner interface {
	Run(ctx context.Context, c transport.Cmd) error
}

// Daemon is one started command.
type Daemon struct {
	Name   string
	cancel context.CancelFunc
	done   chan struct{}
	tail   *syncTail

	mu  sync.Mutex
	err error
}

// Start runs args on t in the background. Its stdout goes to out (nil:
// kept only in the tail); the last few KiB of stdout and stderr are kept
// for error messages.
func Start(t Runner, name string, args []string, env []string, out io.Writer) *Daemon {
	ctx, cancel := context.WithCancel(context.Background())
	d := &Daemon{Name: name, cancel: cancel, done: make(chan struct{}), tail: &syncTail{}}
	stdout := io.Writer(d.tail)
	if out != nil {
		stdout = io.MultiWriter(out, d.tail)
	}
	if len(env) > 0 {
		args = append(append([]string{"env"}, env...), args...)
	}
	go func() {
		defer close(d.done)
		err := t.Run(ctx, transport.Cmd{Args: args, Stdout: stdout, Stderr: d.tail})
		d.mu.Lock()
		d.err = err
		d.mu.Unlock()
	}()
	return d
}

// Done is closed when the command has ended.
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Exited returns an error describing how the command ended, with the last
// of its output, once it has; nil while it runs.
func (d *Daemon) Exited() error {
	select {
	case <-d.done:
	default:
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return fmt.Errorf("%s exited: %v; last output:\n%s", d.Name, d.err, d.tail.last(2048))
}

// Tail returns the last n bytes of the command's output.
func (d *Daemon) Tail(n int) string { return d.tail.last(n) }

// Stop ends the command and waits for it, at most wait.
func (d *Daemon) Stop(wait time.Duration) error {
	d.cancel()
	select {
	case <-d.done:
		return nil
	case <-time.After(wait):
		return fmt.Errorf("%s did not end within %s of being stopped", d.Name, wait)
	}
}

type syncTail struct {
	mu sync.Mutex
	t  transport.Tail
}

func (s *syncTail) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t.Write(p)
}

func (s *syncTail) last(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	str := s.t.String()
	if len(str) > n {
		str = str[len(str)-n:]
	}
	return str
}
