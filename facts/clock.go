package facts

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/edgerig/edgerig/transport"
)

// clockLoop answers each input line with the host's time in Unix
// nanoseconds, like `edgerig-probe clock`, with nothing but a POSIX shell
// and GNU (or busybox with nanoseconds) date.
const clockLoop = `while read -r l; do date +%s%N; done`

// MinExchanges is the fewest exchanges a measure keeps the best of.
const MinExchanges = 20

// ClockOffset measures the host's clock against this machine's over ONE
// long-lived session on t, NTP-style: each exchange sends a line at t0,
// the host answers with its time t1 = t2, the answer arrives at t3; the
// offset θ = ((t1 − t0) + (t2 − t3))/2 and the round trip δ = t3 − t0.
// Of n exchanges (at least MinExchanges) the one with the smallest δ is
// kept: the true offset lies within θ ± δ/2, and errBound is δ/2.
// A positive offset means the host's clock is ahead.
func ClockOffset(ctx context.Context, t transport.Transport, n int) (offset, errBound time.Duration, err error) {
	return measure(ctx, t, n, []string{"sh", "-c", clockLoop})
}

// ClockOffsetProbe measures as ClockOffset does, through a probe already
// placed on the host at probePath (`PROBE clock`), whose answers cost no
// fork of date(1) and so give a tighter bound.
func ClockOffsetProbe(ctx context.Context, t transport.Transport, n int, probePath string) (offset, errBound time.Duration, err error) {
	return measure(ctx, t, n, []string{probePath, "clock"})
}

func measure(ctx context.Context, t transport.Transport, n int, args []string) (time.Duration, time.Duration, error) {
	n = max(n, MinExchanges)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr transport.Tail
	done := make(chan error, 1)
	go func() {
		err := t.Run(ctx, transport.Cmd{Args: args, Stdin: inR, Stdout: outW, Stderr: &stderr})
		outW.CloseWithError(fmt.Errorf("clock command ended: %w", errOrEOF(err)))
		inR.Close()
		done <- err
	}()
	fail := func(err error) (time.Duration, time.Duration, error) {
		inW.Close()
		cancel()
		<-done
		return 0, 0, fmt.Errorf("clock offset via %s: %w", transport.Quote(args), err)
	}
	br := bufio.NewReader(outR)
	best, bestOffset := time.Duration(-1), time.Duration(0)
	// One more exchange than asked: the first pays for the command's start.
	for i := 0; i <= n; i++ {
		t0 := time.Now()
		if _, err := io.WriteString(inW, "t\n"); err != nil {
			return fail(err)
		}
		line, err := br.ReadString('\n')
		t3 := time.Now()
		if err != nil {
			if s := strings.TrimSpace(stderr.String()); s != "" {
				err = fmt.Errorf("%w: %s", err, s)
			}
			return fail(err)
		}
		ns, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
		if err != nil || ns < 1e18 {
			return fail(fmt.Errorf("answer %q is not a time in Unix nanoseconds (a date without %%N?)", strings.TrimSpace(line)))
		}
		if i == 0 {
			continue
		}
		delta := t3.Sub(t0) // monotonic
		// The host read its clock somewhere between t0 and t3; with no
		// better knowledge, at the midpoint. time.Unix carries no monotonic
		// reading, so the subtraction is on the wall clocks.
		theta := time.Unix(0, ns).Sub(t0.Add(delta / 2))
		if best < 0 || delta < best {
			best, bestOffset = delta, theta
		}
	}
	if err := inW.Close(); err != nil {
		return fail(err)
	}
	select {
	case err := <-done:
		if err != nil {
			return 0, 0, fmt.Errorf("clock offset via %s: %w", transport.Quote(args), err)
		}
	case <-ctx.Done():
		return fail(ctx.Err())
	}
	return bestOffset, best / 2, nil
}

func errOrEOF(err error) error {
	if err == nil {
		return io.EOF
	}
	return err
}
