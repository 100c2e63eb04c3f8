package delay

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// testdata/job-local.log is the stamped output of a real run of
// fixtures/sparkjob/wordcount.py (PySpark 4.3.0, HDFS 3.5.0, this kind of
// machine, loaded), 25 files of 532 B at 1/s, captured unedited.
func TestParseCapturedJobOutput(t *testing.T) {
	f, err := os.Open("testdata/job-local.log")
	require.NoError(t, err)
	defer f.Close()
	p := NewParser()
	require.NoError(t, p.Read(f, nil))
	bad, _ := p.Unreadable()
	require.Zero(t, bad)
	require.Equal(t, time.Unix(0, 1796234179591138097), p.Started())

	bs := p.Batches()
	first := bs[0]
	require.Equal(t, int64(1796234180000), first.Time.UnixMilli())
	require.Len(t, first.Files, 7)
	require.Equal(t, "tkf000000.txt", first.Files[0])
	require.True(t, first.HaveDelay)
	require.Equal(t, 17882*time.Millisecond, first.Total)
	require.Equal(t, 11082*time.Millisecond, first.Exec)
	require.Equal(t, time.Unix(0, 1796234197880152388), first.PrintStart)
	require.Equal(t, time.Unix(0, 1796234197880213749), first.PrintEnd)
	require.Contains(t, first.Words, "tkf000000")
	require.Len(t, first.Words, 10, "pprint shows ten records")

	files := map[string]int{}
	for _, b := range bs {
		for _, n := range b.Files {
			files[n]++
		}
	}
	require.Len(t, files, 25, "every submitted file is listed by some batch")
	for n, c := range files {
		require.Equal(t, 1, c, n)
	}
}

func TestParseRefusesUnstampedLines(t *testing.T) {
	p := NewParser()
	require.NoError(t, p.Read(strings.NewReader("no stamp here\n12 o fine\n"), nil))
	bad, msg := p.Unreadable()
	require.Equal(t, 1, bad)
	require.Contains(t, msg, "no stamp here")
}

func TestParseBatchTime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"2026-12-02 17:56:20", 1796234180000},
		{"2026-12-02 17:56:20.500000", 1796234180500},
	} {
		got, err := parseBatchTime(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.want, got.UnixMilli(), tc.in)
	}
	_, err := parseBatchTime("yesterday")
	require.Error(t, err)
}

func FuzzParserLine(f *testing.F) {
	f.Add("1 e 26/12/02 17:56:23 INFO FileInputDStream: New files at time 1796234180000 ms:")
	f.Add("2 o Time: 2026-12-02 17:56:20")
	f.Add("3 e Total delay: 1.5 s for time 5 ms (execution: 0.2 s)")
	f.Fuzz(func(t *testing.T, s string) {
		p := NewParser()
		_ = p.Read(strings.NewReader("1 o "+dashes+"\n"+s+"\n"+s+"\n"), nil)
		_ = p.Batches()
	})
}
