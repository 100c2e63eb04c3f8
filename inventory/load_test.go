package inventory

import (
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

var errLine = regexp.MustCompile(`^testdata/[a-z0-9-]+\.yaml:[1-9][0-9]*:[1-9][0-9]*: \S`)

// TestLoadGolden loads every testdata/*.yaml and compares the problems of a
// bad inventory, or the hosts and testbeds of a good one, with its golden
// file. HOME is fixed and the test directory is written as $DIR.
func TestLoadGolden(t *testing.T) {
	t.Setenv("HOME", "/home/tester")
	dir, err := filepath.Abs("testdata")
	require.NoError(t, err)
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			var got string
			inv, err := Load(file)
			if err != nil {
				var es *Errors
				require.True(t, errors.As(err, &es), "not an *Errors: %v", err)
				for _, line := range strings.Split(err.Error(), "\n") {
					require.Regexp(t, errLine, line)
				}
				got = "error:\n" + err.Error() + "\n"
			} else {
				out, err := json.MarshalIndent(inv, "", "  ")
				require.NoError(t, err)
				got = strings.ReplaceAll(string(out), dir, "$DIR") + "\n"
			}
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./inventory -update to create it")
			require.Equal(t, string(want), got)
			require.Equal(t, strings.HasPrefix(name, "bad-"), err != nil || strings.HasPrefix(got, "error:\n"))
		})
	}
}

func TestTestbed(t *testing.T) {
	inv, err := Load("testdata/ssh.yaml")
	require.NoError(t, err)
	names := func(hs []Host) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Name)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		want []string
		err  string
	}{
		{"", []string{"pi-1", "pi-2"}, ""},
		{"pis", []string{"pi-1", "pi-2"}, ""},
		{"all", []string{"pi-1", "pi-2", "local"}, ""},
		{"nope", nil, `testdata/ssh.yaml: unknown testbed "nope" (known: all, pis)`},
	} {
		hs, err := inv.Testbed(tc.name)
		if tc.err != "" {
			require.EqualError(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		require.Equal(t, tc.want, names(hs))
	}

	inv, err = Load("testdata/no-testbeds.yaml")
	require.NoError(t, err)
	hs, err := inv.Testbed("")
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, names(hs))
	_, err = inv.Testbed("x")
	require.EqualError(t, err, `testdata/no-testbeds.yaml: unknown testbed "x" (known: none)`)
}

func TestByNameAndRoles(t *testing.T) {
	inv, err := Load("testdata/ssh.yaml")
	require.NoError(t, err)
	h, ok := inv.ByName("pi-1")
	require.True(t, ok)
	require.True(t, HasRole(h, "spark-driver"))
	require.False(t, HasRole(h, "worker"))
	_, ok = inv.ByName("pi-9")
	require.False(t, ok)
	require.Len(t, WithRole(inv.Hosts, "worker"), 1)
	require.Equal(t, []string{"collector", "master", "spark-driver", "worker"}, Roles(inv.Hosts))
}

// TestShippedInventories keeps the repository's inventories loadable and
// checks the facts other parts rely on.
func TestShippedInventories(t *testing.T) {
	inv, err := Load("../hosts.yaml")
	require.NoError(t, err)
	hs, err := inv.Testbed("")
	require.NoError(t, err)
	require.Len(t, hs, 1)
	require.True(t, hs[0].Local)
	for _, r := range []string{"master", "worker", "collector", "spark-driver"} {
		require.True(t, HasRole(hs[0], r), r)
	}
	require.Equal(t, "this-machine", hs[0].Labels["hardware"])

	inv, err = Load("../fixtures/inventories/pi-cluster.yaml")
	require.NoError(t, err)
	hs, err = inv.Testbed("")
	require.NoError(t, err)
	require.Len(t, hs, 8)
	for _, h := range hs {
		require.Equal(t, "rpi2", h.Labels["hardware"])
	}
	require.Len(t, WithRole(hs, "collector"), 3)
	require.Len(t, WithRole(hs, "master"), 1)
	require.Len(t, WithRole(hs, "spark-driver"), 1)
	idle, err := inv.Testbed("pi-idle")
	require.NoError(t, err)
	require.Len(t, idle, 4)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestTestbedNoDefault(t *testing.T) {
	inv, err := Parse("two.yaml", []byte("hosts: [{name: a, local: true}]\ntestbeds: {x: [a], y: [a]}\n"))
	require.NoError(t, err)
	_, err = inv.Testbed("")
	require.EqualError(t, err, "two.yaml: no testbed given and no default_testbed set (known: x, y)")
	hs, err := inv.Testbed("y")
	require.NoError(t, err)
	require.Len(t, hs, 1)
}
