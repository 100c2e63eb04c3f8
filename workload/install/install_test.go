package install

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/transport/local"
)

// TestInstallIntoEmptyCache installs the Hadoop jars (Maven Central) and
// PySpark (PyPI) into an empty cache, as a fresh clone does, and logs how
// long it took; a second install reuses the cache, and one whose marker is
// missing (cut short) is done again. Maven's and pip's own caches
// (~/.m2, ~/.cache/pip) are the machine's: with them warm this measures
// resolving and building, not downloading.
func TestInstallIntoEmptyCache(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test: downloads about 500 MB when Maven's and pip's caches are empty")
	}
	testenv.Command(t, "java", "mvn", "python3")
	cache := t.TempDir()
	t.Setenv("EDGERIG_CACHE", cache)
	h := local.New("local")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var progress strings.Builder

	start := time.Now()
	p, err := Install(ctx, h, filepath.Join(t.TempDir(), "job"), &progress)
	require.NoError(t, err, progress.String())
	cold := time.Since(start)
	jars, _ := filepath.Glob(filepath.Join(p.Jars, "*.jar"))
	require.Contains(t, strings.Join(jars, " "), "hadoop-hdfs-3.5.0.jar")
	require.FileExists(t, filepath.Join(p.SparkHome, "bin", "spark-submit"))
	require.FileExists(t, p.Job)
	require.True(t, strings.HasPrefix(p.Jars, cache) && strings.HasPrefix(p.Venv, cache), "installed into EDGERIG_CACHE: %+v", p)
	require.Contains(t, progress.String(), "install: resolving the Hadoop")

	start = time.Now()
	progress.Reset()
	_, err = Install(ctx, h, filepath.Join(t.TempDir(), "job"), &progress)
	require.NoError(t, err)
	warm := time.Since(start)
	require.NotContains(t, progress.String(), "install: resolving", "a complete install is reused")

	// The jars' marker gone: the install was cut short and is redone.
	require.NoError(t, os.Remove(filepath.Join(filepath.Dir(p.Jars), ".complete")))
	progress.Reset()
	_, err = Install(ctx, h, filepath.Join(t.TempDir(), "job"), &progress)
	require.NoError(t, err)
	require.Contains(t, progress.String(), "install: resolving the Hadoop")
	require.NotContains(t, progress.String(), "building a Python venv")
	t.Logf("install into an empty cache: %s (%d jars); from the cache: %s", cold.Round(100*time.Millisecond), len(jars), warm.Round(time.Millisecond))
}
