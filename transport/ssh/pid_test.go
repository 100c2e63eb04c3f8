package ssh

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPIDWriter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		chunks []string
		pid    int
		out    string
	}{
		{"one write", []string{"edgerig-pid:42\nhello\n"}, 42, "hello\n"},
		{"split marker", []string{"edgerig-", "pid:4", "2\nhel", "lo"}, 42, "hello"},
		{"rc noise dropped", []string{"Welcome!\nloading pyenv\n", "edgerig-pid:7\n", "out"}, 7, "out"},
		{"output looks like a marker later", []string{"edgerig-pid:1\nedgerig-pid:2\n"}, 1, "edgerig-pid:2\n"},
		{"nothing yet", []string{"edgerig-pid:9"}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			p := &pidWriter{w: &out}
			for _, c := range tc.chunks {
				n, err := p.Write([]byte(c))
				require.NoError(t, err)
				require.Equal(t, len(c), n)
			}
			require.Equal(t, tc.pid, p.PID())
			require.Equal(t, tc.out, out.String())
		})
	}
	t.Run("no marker in 64 KiB passes everything", func(t *testing.T) {
		var out bytes.Buffer
		p := &pidWriter{w: &out}
		big := bytes.Repeat([]byte("x"), 70<<10)
		_, err := p.Write(big)
		require.NoError(t, err)
		require.Equal(t, len(big), out.Len())
	})
}
