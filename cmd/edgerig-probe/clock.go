package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// runClock answers each stdin line with the wall clock in Unix nanoseconds,
// written at once (no buffering), so that the SSH engineer's NTP-style
// offset measurement sees a round trip that includes only the channel.
func runClock(stdin io.Reader, stdout io.Writer) error {
	br := bufio.NewReader(stdin)
	var buf []byte
	for {
		_, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			continue // a long line is one question, answered at its end
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("clock: read stdin: %w", err)
		}
		if errors.Is(err, io.EOF) {
			return nil // an unterminated last line is not a question
		}
		buf = strconv.AppendInt(buf[:0], time.Now().UnixNano(), 10)
		buf = append(buf, '\n')
		if _, err := stdout.Write(buf); err != nil {
			return fmt.Errorf("clock: write stdout: %w", err)
		}
	}
}
