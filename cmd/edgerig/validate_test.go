package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("name: x\nphases:\n  measure: {duration: 6o s}\nbogus: 1\n"), 0o644))

	out, errOut, code := edgerig("validate", "../../experiments/idle-local.yaml")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "idle-local.yaml: valid: idle-local, 2 trial(s)")

	_, errOut, code = edgerig("validate", bad)
	require.Equal(t, 2, code)
	// Every problem at once, one per line, FILE:LINE:COL: path: message.
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	require.Len(t, lines, 2, errOut)
	require.Regexp(t, `^`+regexp.QuoteMeta(bad)+`:3:\d+: phases\.measure\.duration: "6o s" is not a duration`, lines[0])
	require.Regexp(t, `^`+regexp.QuoteMeta(bad)+`:4:1: bogus: unknown field`, lines[1])

	_, _, code = edgerig("validate", filepath.Join(dir, "missing.yaml"))
	require.Equal(t, 2, code)
}

// With --hosts, a spec is checked against the inventory and the runner as
// run --dry-run would, each problem as FILE:LINE:COL: path: message.
func TestValidateAgainstInventory(t *testing.T) {
	dir := t.TempDir()
	roles := filepath.Join(dir, "roles.yaml")
	// Hand-written: a swarm whose master role no host of hosts.yaml holds.
	require.NoError(t, os.WriteFile(roles, []byte("name: roles\ntestbed: local\norchestrator:\n  kind: swarm\n  master_role: mastr\nphases:\n  measure: {duration: 10s}\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"valid", []string{"../../experiments/idle-local.yaml", "--hosts", "../../hosts.yaml"}, 0,
			"idle-local.yaml: valid: idle-local, 2 trial(s), runs on testbed local"},
		{"unknown testbed flag", []string{"--testbed", "nosuch", "../../experiments/idle-local.yaml", "--hosts", "../../hosts.yaml"}, 2,
			`^../../experiments/idle-local.yaml:1:1: --testbed: .*unknown testbed "nosuch"`},
		{"spec's testbed missing", []string{"../../experiments/smoke-arm.yaml", "--hosts", "../../hosts.yaml"}, 2,
			`^../../experiments/smoke-arm.yaml:\d+:1: testbed: .*unknown testbed "qemu-and-local"`},
		{"role not held", []string{roles, "--hosts", "../../hosts.yaml"}, 2,
			`^` + regexp.QuoteMeta(roles) + `:5:\d+: orchestrator.master_role: no host of testbed "local" has role "mastr"`},
		{"runner refuses", []string{"testdata/wordcount-on-kubernetes.yaml", "--hosts", "../../fixtures/inventories/pi-cluster.yaml"}, 2,
			`^testdata/wordcount-on-kubernetes.yaml:8:3: orchestrator.kind: trial t1: workload wordcount runs as processes on the hosts .*not supported yet`},
		{"runner refuses a matrix value", []string{"testdata/wordcount-matrix-kubernetes.yaml", "--hosts", "../../fixtures/inventories/pi-cluster.yaml"}, 2,
			`^testdata/wordcount-matrix-kubernetes.yaml:7:\d+: matrix.orchestrator.kind: trial t2: workload wordcount runs as processes on the hosts .*orchestrator "kubernetes"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := edgerig(append([]string{"validate"}, tc.args...)...)
			require.Equal(t, tc.code, code, "stdout %s\nstderr %s", out, errOut)
			if tc.code == 0 {
				require.Contains(t, out, tc.want)
				return
			}
			require.Regexp(t, tc.want, errOut)
		})
	}
}
