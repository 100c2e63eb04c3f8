package qemu

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOpenImageDamaged(t *testing.T) {
	a, _ := LookupArch("armv7")
	for _, tc := range []struct {
		name   string
		damage func(dir string)
		want   string
	}{
		{"truncated kernel", func(d string) { os.Truncate(filepath.Join(d, kernelFile), 10) }, "vmlinuz is 10 bytes, the manifest says"},
		{"missing base", func(d string) { os.Remove(filepath.Join(d, baseFile)) }, "base.qcow2: no such file"},
		{"missing user key", func(d string) { os.Remove(filepath.Join(d, userKeyFile)) }, "id_ed25519: no such file"},
		{"other version", func(d string) {
			b, _ := os.ReadFile(filepath.Join(d, manifestFile))
			os.WriteFile(filepath.Join(d, manifestFile), []byte(string(b[:len(b)-2])+`,"version":"old"}`), 0o644)
		}, "version old, want armv7 version " + ImageVersion},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dir := ImageDir(root, a)
			require.NoError(t, os.MkdirAll(dir, 0o755))
			for _, f := range []string{kernelFile, initrdFile, baseFile, userKeyFile} {
				require.NoError(t, os.WriteFile(filepath.Join(dir, f), []byte("content of "+f), 0o644))
			}
			require.NoError(t, writeManifest(dir, Manifest{Arch: a.Name, Version: ImageVersion, HostKey: "ssh-ed25519 AAAA"}))
			_, err := OpenImage(dir, a)
			require.NoError(t, err)
			tc.damage(dir)
			_, err = OpenImage(dir, a)
			require.ErrorContains(t, err, tc.want)
		})
	}
}
