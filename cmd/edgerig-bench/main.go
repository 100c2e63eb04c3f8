// Command edgerig-bench is the small static program a container-testbed
// node carries (at /usr/local/bin/edgerig-bench) to check that it poses as
// the board it should: a CPU score (the calibration benchmark), a memory
// allocation of a given size, and a bounded TCP sender and receiver. Every
// command prints one JSON object on stdout; see package nodebench.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/internal/version"
	"github.com/edgerig/edgerig/nodebench"
	"github.com/edgerig/edgerig/spec"
)

const intro = `edgerig-bench measures what a testbed node can do, one JSON object on stdout.

Usage:
  edgerig-bench cpu [--workers N] [--duration 2s | --units U]
      The calibration benchmark: N goroutines of deflate, inflate, FNV-1a and
      integer work; score = input MB per second over all workers. With
      --units, a fixed amount of work (U units of 64 KiB, shared among the
      workers) instead of a fixed time: its wall time is the measurement.
  edgerig-bench mem --size 1200MiB [--hold 1s]
      Allocates and touches SIZE in 16 MiB chunks, printing "allocated N MiB"
      after each, then holds it. Beyond a memory limit the kernel kills it.
  edgerig-bench recv [--listen :5201] [--timeout 30s] [--skip 1s]
      Accepts one connection and reads it to EOF; the steady rate leaves out
      the first --skip seconds (a token bucket's burst).
  edgerig-bench send --to HOST:PORT [--bytes 64MB] [--duration 10s]
      Writes zeros until --bytes or --duration, whichever comes first.
`

func main() {
	os.Exit(program().Main(os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}))
}

func program() cli.Program {
	return cli.Program{
		Name:  "edgerig-bench",
		Intro: intro,
		Commands: []cli.Command{
			{Name: "cpu", Summary: "the calibration benchmark's score", Flags: cpuFlags,
				Help: "Runs N workers of the fixed CPU work for the duration and prints the score."},
			{Name: "mem", Summary: "allocate and touch SIZE bytes", Flags: memFlags,
				Help: "Allocates SIZE in 16 MiB chunks, reporting each, then holds it."},
			{Name: "recv", Summary: "receive one TCP stream and measure its rate", Flags: recvFlags,
				Help: "Accepts one connection, reads it to EOF or the timeout, prints the rate."},
			{Name: "send", Summary: "send a bounded TCP stream", Flags: sendFlags,
				Help: "Connects and writes until --bytes or --duration, prints the rate."},
			{Name: "version", Summary: "print the version", Help: "Prints the version.",
				Flags: func(*flag.FlagSet) cli.Action {
					return func(_ []string, stdio cli.IO) error { printVersion(stdio.Out); return nil }
				}},
		},
		Version: printVersion,
	}
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "edgerig-bench %s (%s)\n", version.String(), nodebench.Version)
}

func signalled() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

func cpuFlags(fs *flag.FlagSet) cli.Action {
	workers := fs.Int("workers", 1, "number of workers")
	d := fs.Duration("duration", 2*time.Second, "measured time (a tenth more to warm up)")
	units := fs.Int("units", 0, "instead of --duration: this many units of work, timed")
	return func(_ []string, stdio cli.IO) error {
		ctx, stop := signalled()
		defer stop()
		var r nodebench.CPUResult
		var err error
		if *units > 0 {
			r, err = nodebench.CPUUnits(ctx, *workers, *units)
		} else {
			r, err = nodebench.CPU(ctx, *workers, *d)
		}
		if err != nil {
			return err
		}
		return printJSON(stdio.Out, r)
	}
}

func memFlags(fs *flag.FlagSet) cli.Action {
	size := fs.String("size", "", "bytes to allocate, e.g. 1200MiB (required)")
	hold := fs.Duration("hold", time.Second, "how long to hold it")
	return func(_ []string, stdio cli.IO) error {
		z, err := spec.ParseSize(*size)
		if err != nil {
			return cli.UsageError{Msg: "--size: " + err.Error()}
		}
		ctx, stop := signalled()
		defer stop()
		if err := nodebench.Alloc(ctx, z.Bytes(), *hold, stdio.Out); err != nil {
			return err
		}
		return printJSON(stdio.Out, map[string]int64{"allocated_bytes": z.Bytes()})
	}
}

func recvFlags(fs *flag.FlagSet) cli.Action {
	listen := fs.String("listen", ":5201", "address to listen on")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after this long")
	skip := fs.Duration("skip", time.Second, "left out of the steady rate")
	return func(_ []string, stdio cli.IO) error {
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			return err
		}
		// The line tells a caller that the port is open.
		fmt.Fprintf(stdio.Err, "listening on %s\n", ln.Addr())
		ctx, stop := signalled()
		defer stop()
		r, err := nodebench.Recv(ctx, ln, *timeout, *skip)
		if err != nil {
			return err
		}
		return printJSON(stdio.Out, r)
	}
}

func sendFlags(fs *flag.FlagSet) cli.Action {
	to := fs.String("to", "", "HOST:PORT of a receiver (required)")
	bytes := fs.String("bytes", "64MB", "stop after this many bytes")
	d := fs.Duration("duration", 10*time.Second, "stop after this long")
	return func(_ []string, stdio cli.IO) error {
		if *to == "" {
			return cli.UsageError{Msg: "--to is required"}
		}
		z, err := spec.ParseSize(*bytes)
		if err != nil {
			return cli.UsageError{Msg: "--bytes: " + err.Error()}
		}
		ctx, stop := signalled()
		defer stop()
		r, err := nodebench.Send(ctx, *to, z.Bytes(), *d)
		if err != nil {
			return err
		}
		return printJSON(stdio.Out, r)
	}
}
