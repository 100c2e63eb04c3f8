package qemu

import (
	"embed"
	"fmt"
	"os"
	"path/filepath"
)

// guest holds the few files the image needs besides Debian's packages. They
// are embedded so that the edgerig binary alone can build an image.
//
//go:embed guest
var guest embed.FS

// guestFile is one embedded file and where it goes in the root filesystem.
type guestFile struct {
	src, dst string
	mode     os.FileMode
}

// Before the kernel is installed: its postinst builds the initramfs with
// whatever configuration is in place then.
var initramfsFiles = []guestFile{
	{"guest/initramfs.conf", "etc/initramfs-tools/conf.d/edgerig.conf", 0o644},
	{"guest/initramfs-modules", "etc/initramfs-tools/modules", 0o644},
}

var configFiles = []guestFile{
	{"guest/interfaces", "etc/network/interfaces", 0o644},
	{"guest/fstab", "etc/fstab", 0o644},
	{"guest/sshd.conf", "etc/ssh/sshd_config.d/edgerig.conf", 0o644},
	{"guest/edgerig-seed", "usr/local/sbin/edgerig-seed", 0o755},
	{"guest/edgerig-seed.service", "etc/systemd/system/edgerig-seed.service", 0o644},
}

func installFiles(rootfs string, files []guestFile) error {
	for _, f := range files {
		b, err := guest.ReadFile(f.src)
		if err != nil {
			return fmt.Errorf("embedded %s: %w", f.src, err)
		}
		dst := filepath.Join(rootfs, f.dst)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, b, f.mode); err != nil {
			return fmt.Errorf("install %s: %w", f.dst, err)
		}
		if err := os.Chmod(dst, f.mode); err != nil {
			return err
		}
	}
	return nil
}
