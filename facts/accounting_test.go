package facts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestParseAccounting: the captured VM output, with the /proc/self/cgroup
// section of a shell on the host and of one in a testbed node (cgroupns=host,
// the node's ID hand-written), spliced in before the end marker.
func TestParseAccounting(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "debian12-x86_64-vm.txt"))
	require.NoError(t, err)
	base := string(b)
	f, err := Parse(base)
	require.NoError(t, err)
	require.Empty(t, f.Accounting, "an output without the section says nothing")
	for cg, want := range map[string]string{
		"2:cpu,cpuacct:/user.slice\n1:name=systemd:/user.slice/user-0.slice/session-3.scope\n0::/user.slice/user-0.slice/session-3.scope\n": "host",
		"2:cpu,cpuacct:/docker/aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888\n0::/\n":                                    "node cgroup",
	} {
		out := strings.Replace(base, "@@end", "@@selfcgroup\n"+cg+"@@cg2node\n@@end", 1)
		f, err := Parse(out)
		require.NoError(t, err)
		require.Equal(t, want, f.Accounting)
	}
}
