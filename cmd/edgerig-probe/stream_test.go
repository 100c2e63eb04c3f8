package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/probes/spool"
	"github.com/edgerig/edgerig/sample"
)

func kinds(rec sample.Record) map[sample.Kind]int {
	m := map[sample.Kind]int{}
	for _, s := range rec.Series {
		m[s.Kind]++
	}
	return m
}

// TestStreamStops checks the foundation contract: records on stdout, seq
// from 1 without a gap, exit 0 on stdin EOF and on SIGTERM.
func TestStreamStops(t *testing.T) {
	for _, how := range []string{"stdin EOF", "SIGTERM", "SIGINT"} {
		t.Run(how, func(t *testing.T) {
			p := start(t, "--interval", "100ms", "--daemons", "")
			start := time.Now()
			for seq := uint64(1); seq <= 3; seq++ {
				rec := p.record(t, 5*time.Second)
				require.Equal(t, seq, rec.Seq)
				require.Equal(t, sample.Version, rec.V)
				k := kinds(rec)
				require.Equal(t, 1, k[sample.KindHost])
				require.Equal(t, 1, k[sample.KindProbe])
				require.GreaterOrEqual(t, k[sample.KindCPU], 1)
				require.InDelta(t, time.Now().UnixMilli(), rec.TimeMS, 5000)
			}
			require.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "first record after one interval")
			switch how {
			case "stdin EOF":
				require.NoError(t, p.stdin.Close())
			case "SIGTERM":
				require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			case "SIGINT":
				require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
			}
			require.NoError(t, p.exit(t, 5*time.Second), "stderr: %s", p.stderr)
		})
	}
}

// TestStreamSpoolContinuesSeq: a probe restarted on the same spool goes on
// numbering after the last record there, so the spool never repeats a seq.
func TestStreamSpoolContinuesSeq(t *testing.T) {
	sp := filepath.Join(t.TempDir(), "probe.spool")
	var last uint64
	for run := 0; run < 2; run++ {
		p := start(t, "--interval", "50ms", "--containers=false", "--daemons", "", "--spool", sp)
		for i := 0; i < 3; i++ {
			rec := p.record(t, 5*time.Second)
			require.Equal(t, last+1, rec.Seq)
			last = rec.Seq
		}
		require.NoError(t, p.stdin.Close())
		require.NoError(t, p.exit(t, 5*time.Second))
	}
	got, err := spool.LastSeq(sp)
	require.NoError(t, err)
	require.GreaterOrEqual(t, got, last)
}

// TestListen scrapes the Prometheus endpoint of a running probe.
func TestListen(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	p := start(t, "--interval", "100ms", "--listen", addr)
	p.record(t, 5*time.Second)
	p.record(t, 5*time.Second)
	resp, err := http.Get(fmt.Sprintf("http://%s/metrics", addr))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "version=0.0.4")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	for _, want := range []string{
		"# TYPE node_memory_MemTotal_bytes gauge\nnode_memory_MemTotal_bytes ",
		"\nnode_memory_MemAvailable_bytes ",
		"\nedgerig_cpu_cpu_pct{cpu=\"0\"} ",
		"\nprocess_resident_memory_bytes ",
		"# TYPE edgerig_host_net_rx_bytes_total counter\n",
		"\nedgerig_probe_seq ",
	} {
		require.Contains(t, string(body), want)
	}
	require.NoError(t, p.stdin.Close())
	require.NoError(t, p.exit(t, 5*time.Second))
}

func TestUsage(t *testing.T) {
	tests := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"--help"}, 0, "--resume-from SEQ"},
		{[]string{"tail", "--help"}, 0, "Usage: edgerig-probe tail [flags]"},
		{[]string{"--interval", "1ms"}, 2, "below 10ms"},
		{[]string{"daemon"}, 2, "--spool and --pidfile are required"},
		{[]string{"bogus"}, 2, "unknown command"},
		{[]string{"--spool-max", "12XB"}, 2, "bad size"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.args), func(t *testing.T) {
			var out, errb strings.Builder
			code := realMain(tt.args, strings.NewReader(""), &out, &errb)
			require.Equal(t, tt.code, code)
			require.Contains(t, out.String()+errb.String(), tt.out)
		})
	}
}
