package containers

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// The trees under testdata/sources are APT configurations: deb822 is the
// one captured on the project's Debian bookworm machines.
func TestDetectMirror(t *testing.T) {
	for _, tc := range []struct {
		root, want string
	}{
		{"deb822", "http://deb.debian.org/debian"},
		{"oneline", "http://ftp.de.debian.org/debian"},
		{"disabled", "http://mirror.example.invalid/debian"},
		{"empty", DefaultMirror},
		{"does-not-exist", DefaultMirror},
	} {
		t.Run(tc.root, func(t *testing.T) {
			got, err := DetectMirror(filepath.Join("testdata", "sources", tc.root), "bookworm")
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestMirrorFromSourcesSuiteMustMatch(t *testing.T) {
	files := map[string][]byte{"a.list": []byte("deb http://m.invalid/debian bookworm-backports main\n")}
	_, ok := MirrorFromSources(files, "bookworm")
	require.False(t, ok)
	m, ok := MirrorFromSources(files, "bookworm-backports")
	require.True(t, ok)
	require.Equal(t, "http://m.invalid/debian", m)
}
