package provision

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestAddFlags edits cmdline.txt files as Raspberry Pi OS ships them
// (hand-written after the Bookworm and Buster images' files) and odd ones;
// testdata/cmdline/NAME.golden holds the result.
func TestAddFlags(t *testing.T) {
	ins, err := filepath.Glob("testdata/cmdline/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, ins)
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			b, err := os.ReadFile(in)
			require.NoError(t, err)
			got := AddFlags(string(b), CgroupFlags)
			golden := strings.TrimSuffix(in, ".txt") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.Equal(t, string(want), got)
			require.Equal(t, 1, strings.Count(got, "\n"), "cmdline.txt must stay one line")
			require.Empty(t, MissingFlags(got, CgroupFlags))
			require.Equal(t, got, AddFlags(got, CgroupFlags), "not idempotent")
		})
	}
}

func TestMissingFlags(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"root=/dev/sda rootwait", CgroupFlags},
		{"cgroup_enable=memory root=/dev/sda cgroup_memory=1", nil},
		{"cgroup_enable=memory cgroup_memory=0", []string{"cgroup_memory=1"}},
		{"xcgroup_enable=memory cgroup_memory=1", []string{"cgroup_enable=memory"}},
	} {
		require.Equal(t, tc.want, MissingFlags(tc.line, CgroupFlags), tc.line)
	}
}

func TestMemoryInProcCgroups(t *testing.T) {
	// Captured from a Raspberry Pi 3 (Raspberry Pi OS Bullseye, 5.15) before
	// and after the boot flags, trimmed to the relevant lines.
	require.False(t, MemoryInProcCgroups("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t81\t1\nmemory\t0\t81\t0\n"))
	require.True(t, MemoryInProcCgroups("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t81\t1\nmemory\t0\t81\t1\n"))
	require.False(t, MemoryInProcCgroups(""))
}
