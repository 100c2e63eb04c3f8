// Package cache names the one directory where edgerig keeps what is slow to
// make (node images, QEMU images, Kubernetes binaries, Hadoop and PySpark,
// the calibration reference), so every part finds the same one.
package cache

import (
	"os"
	"path/filepath"
)

// Dir is $EDGERIG_CACHE, else ~/.cache/edgerig (a directory under the
// system's temporary one when there is no home).
func Dir() string {
	if d := os.Getenv("EDGERIG_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return filepath.Join(os.TempDir(), "edgerig-cache")
	}
	return filepath.Join(home, ".cache", "edgerig")
}
