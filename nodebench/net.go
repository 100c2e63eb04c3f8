package nodebench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// SendResult is what the sender saw.
type SendResult struct {
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	Mbits   float64 `json:"mbit_s"`
}

// Send connects to addr and writes zeros until limit bytes are written or
// d has passed, whichever is first.
func Send(ctx context.Context, addr string, limit int64, d time.Duration) (SendResult, error) {
	if limit <= 0 || d <= 0 || d > time.Hour {
		return SendResult{}, fmt.Errorf("send: want bytes > 0 and 0 < duration <= 1h")
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var dl net.Dialer
	c, err := dl.DialContext(ctx, "tcp", addr)
	if err != nil {
		return SendResult{}, fmt.Errorf("send: %w", err)
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	c.SetWriteDeadline(deadline)
	buf := make([]byte, 128<<10)
	start := time.Now()
	var n int64
	for n < limit {
		k, err := c.Write(buf[:min(int64(len(buf)), limit-n)])
		n += int64(k)
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
				break
			}
			return SendResult{}, fmt.Errorf("send: after %d bytes: %w", n, err)
		}
	}
	c.(*net.TCPConn).CloseWrite()
	// Wait for the receiver to close, so that the sender's time includes
	// the bytes still queued in the shaper.
	c.SetReadDeadline(deadline.Add(10 * time.Second))
	io.Copy(io.Discard, c)
	s := time.Since(start).Seconds()
	return SendResult{Bytes: n, Seconds: s, Mbits: float64(n) * 8 / 1e6 / s}, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// RecvResult is what the receiver measured. Steady leaves out the first
// Skip seconds after the first byte, where a token bucket's burst lets more
// through than its rate.
type RecvResult struct {
	Bytes       int64   `json:"bytes"`
	Seconds     float64 `json:"seconds"`
	Mbits       float64 `json:"mbit_s"`
	Skip        float64 `json:"skip_s"`
	SteadyMbits float64 `json:"steady_mbit_s"`
}

// Recv accepts one connection on ln and reads it to EOF or until timeout,
// then closes ln.
func Recv(ctx context.Context, ln net.Listener, timeout, skip time.Duration) (RecvResult, error) {
	defer ln.Close()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	go func() { <-ctx.Done(); ln.Close() }()
	c, err := ln.Accept()
	if err != nil {
		return RecvResult{}, fmt.Errorf("recv: no connection within %s: %w", timeout, err)
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	c.SetReadDeadline(deadline)
	buf := make([]byte, 128<<10)
	var n, atSkip int64
	var first, skipAt, last time.Time
	for {
		k, err := c.Read(buf)
		now := time.Now()
		if k > 0 {
			if first.IsZero() {
				first = now
			}
			if skipAt.IsZero() && now.Sub(first) >= skip {
				skipAt, atSkip = now, n
			}
			n += int64(k)
			last = now
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return RecvResult{}, fmt.Errorf("recv: after %d bytes: %w", n, err)
		}
	}
	if n == 0 {
		return RecvResult{}, fmt.Errorf("recv: the sender sent nothing")
	}
	r := RecvResult{Bytes: n, Seconds: last.Sub(first).Seconds(), Skip: skip.Seconds()}
	if r.Seconds > 0 {
		r.Mbits = float64(n) * 8 / 1e6 / r.Seconds
	}
	if !skipAt.IsZero() && last.After(skipAt) {
		r.SteadyMbits = float64(n-atSkip) * 8 / 1e6 / last.Sub(skipAt).Seconds()
	}
	return r, nil
}
