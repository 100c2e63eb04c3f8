package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/probes/expo"
	"github.com/edgerig/edgerig/sample"
)

func streamFlags(fs *flag.FlagSet) cli.Action {
	var f samplerFlags
	f.register(fs)
	listen := fs.String("listen", "", "also serve the last record in Prometheus text format on this `address` (e.g. 127.0.0.1:9101), at /metrics")
	return func(_ []string, stdio cli.IO) error { return runStream(f, *listen, stdio.In, stdio.Out, stdio.Err) }
}

func runStream(f samplerFlags, listen string, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := f.check(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	untilEOF(stdin, cancel)

	var last latest
	if listen != "" {
		srv, err := serveMetrics(listen, &last, stderr)
		if err != nil {
			return err
		}
		defer srv.Close()
	}
	buf := make([]byte, 0, 4096)
	emit := func(rec sample.Record, line []byte) error {
		buf = append(append(buf[:0], line...), '\n')
		if _, err := stdout.Write(buf); err != nil {
			return fmt.Errorf("write stdout: %w", err)
		}
		if listen != "" {
			last.set(rec)
		}
		return nil
	}
	return sampleLoop(ctx, f, nil, emit, nil)
}

// serveMetrics serves /metrics on addr in the background until closed.
func serveMetrics(addr string, last *latest, stderr io.Writer) (io.Closer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--listen: %w", err)
	}
	go func() {
		if err := expo.Serve(ln, last.get); err != nil {
			fmt.Fprintf(stderr, "edgerig-probe: --listen %s: %v\n", addr, err)
		}
	}()
	return ln, nil
}
