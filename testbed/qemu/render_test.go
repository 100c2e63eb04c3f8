package qemu

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/inventory"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	require.Equal(t, string(want), string(got))
}

func testVMs() []*VM {
	return []*VM{
		{Name: "arm64-1", Arch: "arm64", Port: 22001, Dir: "/tb/arm64-1", HostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIArm64HostKeyOne"},
		{Name: "armv7-1", Arch: "armv7", Port: 22002, Dir: "/tb/armv7-1", HostKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIArmv7HostKeyOne"},
	}
}

func TestRenderInventory(t *testing.T) {
	b, err := renderInventory(testVMs())
	require.NoError(t, err)
	golden(t, "hosts.yaml", b)

	// What package inventory (the runner's reader) makes of it.
	path := filepath.Join(t.TempDir(), "hosts.yaml")
	require.NoError(t, os.WriteFile(path, b, 0o644))
	inv, err := inventory.Load(path)
	require.NoError(t, err)
	hosts, err := inv.Testbed("")
	require.NoError(t, err)
	require.Len(t, hosts, 2)
	require.Equal(t, "arm64-1", hosts[0].Name)
	require.Equal(t, 22001, hosts[0].Port)
	require.Equal(t, filepath.Join(filepath.Dir(path), "id_ed25519"), hosts[0].Identity)
	require.Equal(t, filepath.Join(filepath.Dir(path), "known_hosts"), hosts[1].KnownHosts)
	require.Equal(t, "qemu-armv7", hosts[1].Labels["hardware"])
	withLocal, err := inv.Testbed(TestbedWithLocal)
	require.NoError(t, err)
	require.Len(t, withLocal, 3)
	require.True(t, withLocal[0].Local)
	golden(t, "known_hosts", renderKnownHosts(testVMs()))
}

func TestQemuArgs(t *testing.T) {
	var out strings.Builder
	for _, v := range testVMs() {
		a, err := LookupArch(v.Arch)
		require.NoError(t, err)
		im := &Image{Dir: "/cache/qemu/" + a.Name + "-" + ImageVersion, Arch: a}
		out.WriteString(a.System + " " + strings.Join(qemuArgs(a, im, v, DefaultCmdline), " ") + "\n")
	}
	golden(t, "qemu-args.txt", []byte(out.String()))
}

func TestParseMirror(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"deb822 with security stanza first", `Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
# a comment
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
`, "http://mirror.example/debian"},
		{"sources.list", "# x\ndeb http://sec.example/ bookworm-security main\ndeb http://m.example/debian bookworm main\n", "http://m.example/debian"},
		{"sources.list with options", "deb [signed-by=/k.gpg arch=amd64] http://o.example/debian bookworm main\n", "http://o.example/debian"},
		{"other release only", "deb http://m.example/debian trixie main\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, parseMirror([]byte(tc.in)))
		})
	}
}

func TestNewKeyParses(t *testing.T) {
	priv, pub, err := newKey("c")
	require.NoError(t, err)
	require.Contains(t, string(priv), "BEGIN OPENSSH PRIVATE KEY")
	require.True(t, strings.HasPrefix(publicKeyLine(pub), "ssh-ed25519 "))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, userKeyFile), priv, 0o600))
	signer, authorized, err := userKey(dir)
	require.NoError(t, err)
	require.Equal(t, publicKeyLine(pub), publicKeyLine(authorized))
	require.Equal(t, "ssh-ed25519", signer.PublicKey().Type())
}

func TestConsoleLine(t *testing.T) {
	dir := t.TempDir()
	v := &VM{Name: "arm64-1", Dir: dir}
	require.Equal(t, "(no serial log)", consoleLine(v))
	log := "[    7.5] Run /init as init process\r\n\x1b[0;1;31m*\x1b[0m\x1b[0;31m*  \x1b[0m] Job networking.service/start running (27s / 5min 27s)\r\x1b[K\r\n\r\n"
	require.NoError(t, os.WriteFile(v.SerialLog(), []byte(log), 0o644))
	require.Equal(t, "**  ] Job networking.service/start running (27s / 5min 27s)", consoleLine(v))
	require.Contains(t, serialTail(v), "Run /init as init process\n**  ] Job networking")
}
