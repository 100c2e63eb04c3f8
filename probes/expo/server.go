package expo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/edgerig/edgerig/sample"
)

// Serve answers GET /metrics on ln with the record last returns, until ln
// is closed. It speaks just enough HTTP/1.1 for a Prometheus scraper (one
// request per connection, Connection: close): net/http would pull TLS and
// HTTP/2 into the probe and triple its resident size on a Pi, for one
// endpoint that scrapers poll once a second or less.
func Serve(ln net.Listener, last func() (sample.Record, bool)) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("metrics: accept: %w", err)
		}
		go serveConn(c, last)
	}
}

func serveConn(c net.Conn, last func() (sample.Record, bool)) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReaderSize(c, 4096)
	reqLine, err := br.ReadString('\n')
	if err != nil {
		return
	}
	// Skip the headers, up to the blank line.
	for n := 0; n < 100; n++ {
		l, err := br.ReadString('\n')
		if err != nil || strings.TrimRight(l, "\r\n") == "" {
			break
		}
	}
	f := strings.Fields(reqLine)
	status, body, ctype := "200 OK", &bytes.Buffer{}, "text/plain; version=0.0.4; charset=utf-8"
	switch {
	case len(f) < 3 || !strings.HasPrefix(f[2], "HTTP/1."):
		status, ctype = "400 Bad Request", "text/plain"
		body.WriteString("bad request\n")
	case f[0] != "GET" && f[0] != "HEAD":
		status, ctype = "405 Method Not Allowed", "text/plain"
		body.WriteString("only GET\n")
	case f[1] != "/metrics" && !strings.HasPrefix(f[1], "/metrics?"):
		status, ctype = "404 Not Found", "text/plain"
		body.WriteString("see /metrics\n")
	default:
		rec, ok := last()
		if !ok {
			status, ctype = "503 Service Unavailable", "text/plain"
			body.WriteString("no sample yet\n")
		} else if err := Write(body, rec); err != nil {
			return
		}
	}
	fmt.Fprintf(c, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", status, ctype, body.Len())
	if len(f) > 0 && f[0] != "HEAD" {
		_, _ = c.Write(body.Bytes())
	}
}
