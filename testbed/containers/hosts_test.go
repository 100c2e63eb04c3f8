package containers

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(p, got, 0o644))
	}
	want, err := os.ReadFile(p)
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
}

func testNodes(n int) []Node {
	nodes := make([]Node, n)
	for i := range nodes {
		addr, err := nodeAddress("172.29.7.0/24", i)
		if err != nil {
			panic(err)
		}
		nodes[i] = Node{Name: "node" + string(rune('1'+i)), Address: addr, Roles: Roles(i, n)}
	}
	return nodes
}

func TestHostsYAML(t *testing.T) {
	for _, tc := range []struct {
		name  string
		nodes int
	}{
		{"hosts-1.yaml", 1},
		{"hosts-4.yaml", 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := HostsYAML("abc123", testNodes(tc.nodes))
			golden(t, tc.name, got)

			// It is YAML, and says what the inventory loader expects.
			var inv struct {
				Defaults map[string]any `yaml:"defaults"`
				Hosts    []struct {
					Name    string            `yaml:"name"`
					Address string            `yaml:"address"`
					Roles   []string          `yaml:"roles"`
					Labels  map[string]string `yaml:"labels"`
				} `yaml:"hosts"`
				Testbeds       map[string][]string `yaml:"testbeds"`
				DefaultTestbed string              `yaml:"default_testbed"`
			}
			require.NoError(t, yaml.Unmarshal(got, &inv))
			require.Len(t, inv.Hosts, tc.nodes)
			require.Equal(t, "root", inv.Defaults["user"])
			require.Equal(t, IdentityFile, inv.Defaults["identity"])
			require.Equal(t, "containers", inv.DefaultTestbed)
			require.Len(t, inv.Testbeds["containers"], tc.nodes)
			roles := map[string]int{}
			for _, h := range inv.Hosts {
				require.Equal(t, "container", h.Labels["hardware"])
				for _, r := range h.Roles {
					roles[r]++
				}
			}
			require.Equal(t, 1, roles["master"])
			require.Equal(t, 1, roles["spark-driver"])
			require.Equal(t, max(tc.nodes-1, 1), roles["worker"])
			require.Equal(t, max(tc.nodes-1, 1), roles["collector"])
		})
	}
}

func TestNodeAddress(t *testing.T) {
	for _, tc := range []struct {
		subnet string
		i      int
		want   string
		err    bool
	}{
		{"172.29.7.0/24", 0, "172.29.7.2", false},
		{"172.29.7.0/24", 2, "172.29.7.4", false},
		{"172.29.7.0/24", 253, "172.29.7.255", false},
		{"172.29.7.0/24", 254, "", true},
		{"nonsense", 0, "", true},
	} {
		got, err := nodeAddress(tc.subnet, tc.i)
		if tc.err {
			require.Error(t, err, tc)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, got)
	}
}

func TestKeysRoundTrip(t *testing.T) {
	k, err := newKeyPair("test")
	require.NoError(t, err)
	back, err := parseKeyPair(k.private)
	require.NoError(t, err)
	require.Equal(t, k.public.Marshal(), back.public.Marshal())
	nodes := testNodes(2)
	nodes[0].HostKey = string(authorizedKey(k))
	nodes[1].HostKey = "not a key"
	_, err = KnownHosts(nodes)
	require.ErrorContains(t, err, "node2")
}
