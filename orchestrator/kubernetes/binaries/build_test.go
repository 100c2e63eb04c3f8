package binaries

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The module in the repository pins the default version, and a version it
// does not pin is refused with the file, line and remedy.
func TestModuleVersion(t *testing.T) {
	require.NoError(t, checkModuleVersion("../../../fixtures/kubernetes/go.mod", DefaultVersion))
	err := checkModuleVersion("../../../fixtures/kubernetes/go.mod", "v1.32.0")
	require.ErrorContains(t, err, "fixtures/kubernetes/go.mod:")
	require.ErrorContains(t, err, "pins k8s.io/kubernetes v1.31.4, not v1.32.0")
	for _, tc := range []struct{ name, gomod, want string }{
		{"single-line require", "module x\nrequire k8s.io/kubernetes v1.31.4\n", ""},
		{"indirect", "module x\nrequire (\n\tk8s.io/kubernetes v1.31.4 // indirect\n)\n", ""},
		{"absent", "module x\n", "no require of k8s.io/kubernetes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "go.mod")
			require.NoError(t, os.WriteFile(p, []byte(tc.gomod), 0o644))
			err := checkModuleVersion(p, "v1.31.4")
			if tc.want == "" {
				require.NoError(t, err)
			} else {
				require.ErrorContains(t, err, tc.want)
			}
		})
	}
	_, err = Build(context.Background(), BuildOptions{CacheDir: t.TempDir(), Version: "v1.31.4", ModuleDir: t.TempDir()})
	require.ErrorContains(t, err, "kubernetes build module")
}

// A bin directory is used only when complete: every component executable
// and the marker written last; a complete cache is returned without a build.
func TestBuildUsesCompleteCache(t *testing.T) {
	cache := t.TempDir()
	bin := BinDir(cache, "v9.9.9")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	for _, c := range Components {
		require.NoError(t, os.WriteFile(filepath.Join(bin, c), []byte("#!/bin/sh\n"), 0o755))
	}
	require.False(t, complete(bin), "no marker yet")
	require.NoError(t, os.WriteFile(filepath.Join(bin, completeMarker), []byte("v9.9.9\n"), 0o644))
	require.True(t, complete(bin))
	got, err := Build(context.Background(), BuildOptions{CacheDir: cache, Version: "v9.9.9", ModuleDir: "/nonexistent"})
	require.NoError(t, err)
	require.Equal(t, bin, got)
	require.NoError(t, os.Chmod(filepath.Join(bin, "kubelet"), 0o644))
	require.False(t, complete(bin), "a component that cannot run")
}

// A second process waits for the lock, says so, and gives up when its
// context ends.
func TestBuildLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), ".lock")
	unlock, err := lock(context.Background(), path, nil)
	require.NoError(t, err)
	defer unlock()
	var progress strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err = lock(ctx, path, &progress)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, progress.String(), "waiting for another process")
}

func TestLdflags(t *testing.T) {
	f := ldflags("v1.31.4")
	for _, want := range []string{"k8s.io/component-base/version.gitVersion=v1.31.4", "k8s.io/component-base/version.gitMajor=1", "k8s.io/component-base/version.gitMinor=31", "k8s.io/client-go/pkg/version.gitVersion=v1.31.4"} {
		require.Contains(t, f, want)
	}
}

// A bin.tmp left by an interrupted build keeps the components that say
// they are the right version and builds the rest (here only the pod
// program, from the real module, which must then run), then is renamed
// into place.
func TestBuildAdoptsPartial(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the pod program with the go tool")
	}
	cache := t.TempDir()
	tmp := BinDir(cache, DefaultVersion) + ".tmp"
	require.NoError(t, os.MkdirAll(tmp, 0o755))
	for _, c := range Components {
		if c == PodProgram {
			continue
		}
		script := "#!/bin/sh\necho 'Kubernetes " + DefaultVersion + "'\n"
		require.NoError(t, os.WriteFile(filepath.Join(tmp, c), []byte(script), 0o755))
	}
	var progress strings.Builder
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin, err := Build(ctx, BuildOptions{CacheDir: cache, Version: DefaultVersion, ModuleDir: "../../../fixtures/kubernetes", Progress: &progress})
	require.NoError(t, err, progress.String())
	require.True(t, complete(bin))
	require.Contains(t, progress.String(), "kubelet already built")
	require.Contains(t, progress.String(), "building "+PodProgram)
	_, err = os.Stat(tmp)
	require.True(t, os.IsNotExist(err), "bin.tmp renamed into place")
	out, err := exec.Command(filepath.Join(bin, PodProgram), "nonsense").CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), `unknown mode "nonsense"`)
}
