package qemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/edgerig/edgerig/internal/cache"
)

// File names inside an image directory.
const (
	baseFile     = "base.qcow2"
	kernelFile   = "vmlinuz"
	initrdFile   = "initrd.img"
	userKeyFile  = "id_ed25519"
	hostKeyFile  = "ssh_host_ed25519_key.pub"
	manifestFile = "manifest.json"
)

// CacheRoot is where built images are kept: ${EDGERIG_CACHE:-~/.cache/edgerig}/qemu.
func CacheRoot() string { return filepath.Join(cache.Dir(), "qemu") }

// Image is a built, cached image of one architecture: a base disk that VMs
// only ever read (each boots from its own overlay), the kernel and initramfs
// taken out of it, the user key authorized for root, and the SSH host key
// generated at build time.
type Image struct {
	Dir      string
	Arch     Arch
	Manifest Manifest
}

// Manifest records how and when an image was built; its presence marks a
// complete image (it is written last, then the directory is renamed).
type Manifest struct {
	Arch       string        `json:"arch"`
	Version    string        `json:"version"`
	Kernel     string        `json:"kernel"` // the kernel release, e.g. 6.1.0-35-arm64
	Mirror     string        `json:"mirror"`
	Built      time.Time     `json:"built"`
	BuildTime  time.Duration `json:"build_time_ns"`
	HostKey    string        `json:"host_key"` // the image's ssh-ed25519 host key, authorized_keys format
	BaseSize   int64         `json:"base_size"`
	KernelSize int64         `json:"kernel_size"`
	InitrdSize int64         `json:"initrd_size"`
}

// ImageDir is the cache directory of arch's image at the current version.
func ImageDir(root string, a Arch) string {
	return filepath.Join(root, a.Name+"-"+ImageVersion)
}

// Path returns the path of a file of the image.
func (im *Image) Path(name string) string { return filepath.Join(im.Dir, name) }

// OpenImage checks that dir holds a complete image of arch: a manifest for
// this arch and version, and every file it names with the size it recorded.
// A truncated or missing file is reported by name, so that a damaged cache
// is never booted.
func OpenImage(dir string, a Arch) (*Image, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return nil, fmt.Errorf("image %s: no complete image (%w)", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("image %s: %s: %w", dir, manifestFile, err)
	}
	if m.Arch != a.Name || m.Version != ImageVersion {
		return nil, fmt.Errorf("image %s: built for %s version %s, want %s version %s", dir, m.Arch, m.Version, a.Name, ImageVersion)
	}
	var errs []error
	for name, size := range map[string]int64{baseFile: m.BaseSize, kernelFile: m.KernelSize, initrdFile: m.InitrdSize} {
		st, err := os.Stat(filepath.Join(dir, name))
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("image %s: %w", dir, err))
		case st.Size() != size:
			errs = append(errs, fmt.Errorf("image %s: %s is %d bytes, the manifest says %d (damaged cache: delete the directory to rebuild)", dir, name, st.Size(), size))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, userKeyFile)); err != nil {
		errs = append(errs, fmt.Errorf("image %s: %w", dir, err))
	}
	if m.HostKey == "" {
		errs = append(errs, fmt.Errorf("image %s: %s records no host key", dir, manifestFile))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Image{Dir: dir, Arch: a, Manifest: m}, nil
}

func writeManifest(dir string, m Manifest) error {
	for name, size := range map[string]*int64{baseFile: &m.BaseSize, kernelFile: &m.KernelSize, initrdFile: &m.InitrdSize} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("manifest: %w", err)
		}
		*size = st.Size()
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, manifestFile), append(b, '\n'), 0o644)
}
