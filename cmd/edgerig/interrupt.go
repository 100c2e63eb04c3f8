package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// interrupts turns the first signal on sigs into a cancelled context (the
// runner tears down), telling the user that teardown is running and that
// a second signal abandons it. The second signal calls abandon at once:
// edgerig must end then, even while a teardown step hangs. stop ends the
// watching; after it no signal is acted on here.
func interrupts(sigs <-chan os.Signal, stderr io.Writer, abandon func()) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		select {
		case <-sigs:
		case <-done:
			return
		}
		select {
		case <-done: // the run had ended already
			return
		default:
		}
		fmt.Fprintln(stderr, "edgerig: interrupted: teardown is running (it keeps every sample); press Ctrl-C again to abandon it and exit at once")
		cancel()
		select {
		case <-sigs:
			abandon()
		case <-done:
		}
	}()
	var once bool
	return ctx, func() {
		if !once {
			once = true
			close(done)
			cancel()
		}
	}
}

// abandonMessage is what edgerig prints when a second Ctrl-C abandons
// teardown: what may be left on which host.
func abandonMessage(w io.Writer, leftovers []string) {
	fmt.Fprintln(w, "edgerig: teardown abandoned by a second interrupt; exiting now.")
	if len(leftovers) == 0 {
		return
	}
	fmt.Fprintln(w, "edgerig: these may be left on the hosts:")
	for _, l := range leftovers {
		fmt.Fprintln(w, "  "+l)
	}
}
