package expo

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
)

var update = flag.Bool("update", false, "rewrite testdata/record.prom")

func TestWriteGolden(t *testing.T) {
	const id = "3f4a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"
	rec := sample.Record{V: 1, Seq: 7, TimeMS: 1_700_000_000_000, Series: []sample.Series{
		{Kind: sample.KindHost, Values: map[string]float64{sample.CPUPct: 12.5, sample.CPUCores: 0.5, sample.MemTotalBytes: 1 << 30, sample.MemAvailBytes: 1 << 29, sample.MemUsedBytes: 1 << 29, sample.NetRxBytes: 1e6, sample.NetTxBytes: 2e6}},
		{Kind: sample.KindCPU, Label: "1", Values: map[string]float64{sample.CPUPct: 20}},
		{Kind: sample.KindCPU, Label: "0", Values: map[string]float64{sample.CPUPct: 5}},
		{Kind: sample.KindContainer, Label: id, Values: map[string]float64{sample.CPUPct: 50, sample.CPUCores: 0.5, sample.MemUsageBytes: 64 << 20, sample.MemWorkingSet: 60 << 20}},
		{Kind: sample.KindDaemon, Label: "dockerd", Values: map[string]float64{sample.CPUPct: 0.3, sample.RSSBytes: 100e6}},
		{Kind: sample.KindProbe, Values: map[string]float64{sample.CPUPct: 0.05, sample.RSSBytes: 3e6, sample.SampleCostMicro: 80}},
	}}
	var b bytes.Buffer
	require.NoError(t, Write(&b, rec))
	golden := filepath.Join("testdata", "record.prom")
	if *update {
		require.NoError(t, os.WriteFile(golden, b.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	require.Equal(t, string(want), b.String())
}
