package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/probes/spool"
)

func tailFlags(fs *flag.FlagSet) cli.Action {
	path := fs.String("spool", "", "spool `file` written by the probe (required)")
	after := fs.Uint64("resume-from", 0, "write only records with seq greater than `SEQ`")
	return func(_ []string, stdio cli.IO) error { return runTail(*path, *after, stdio.In, stdio.Out, stdio.Err) }
}

func runTail(path string, after uint64, stdin io.Reader, stdout, stderr io.Writer) error {
	if path == "" {
		return cli.UsageError{Msg: "--spool is required"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	untilEOF(stdin, cancel)
	go markAttached(ctx, path+".reader")
	f := &spool.Follower{Path: path, After: after, Out: stdout, Gap: func(from, to uint64) {
		fmt.Fprintf(stderr, "edgerig-probe: tail: records %d..%d are no longer in the spool (rotated away)\n", from, to)
	}}
	return f.Run(ctx)
}

// markAttached touches FILE.reader every second while a tail runs, which
// resets the daemon's orphan timer.
func markAttached(ctx context.Context, path string) {
	touch := func() {
		now := time.Now()
		if err := os.Chtimes(path, now, now); err != nil {
			if f, err := os.Create(path); err == nil {
				f.Close()
			}
		}
	}
	touch()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			touch()
		}
	}
}
