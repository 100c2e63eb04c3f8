// Package qemu brings up emulated ARM hosts (arm64 and armv7) on this
// machine, so that CI can prove edgerig's ARM builds and its whole SSH path
// without a Raspberry Pi. It builds a Debian root filesystem once per
// architecture and image version (cached outside the repository), boots each
// host from a copy-on-write overlay of it with SSH forwarded on 127.0.0.1
// only, and writes an inventory (hosts.yaml, known_hosts, id_ed25519) that
// the runner reads like any other cluster's.
//
// Emulation is not timing-faithful: these hosts prove that things work on
// ARM, not how fast a Pi is.
package qemu

import (
	"fmt"
	"sort"
	"strings"
)

// Suite is the Debian release the images are built from.
const Suite = "bookworm"

// ImageVersion names the recipe of the cached images. Bump it whenever the
// packages or the files put into the image change, so that caches built by
// an older recipe are not reused.
const ImageVersion = Suite + "-4"

// Arch is one emulated architecture: how to build its root filesystem and
// how to boot it.
type Arch struct {
	Name       string // edgerig's name: arm64, armv7
	DebArch    string // Debian's architecture: arm64, armhf
	Kernel     string // the Debian kernel package for QEMU's virt machine
	Binfmt     string // the binfmt_misc entry debootstrap relies on
	System     string // the qemu-system binary
	CPU        string // the emulated CPU, close to a Pi 3 (A53) or Pi 2 (A7 → A15)
	Uname      string // what `uname -m` answers in the guest
	Hardware   string // the inventory label hardware:
	ProbeBuild string // the probe build's suffix in bin/probes (edgerig-probe-linux-<suffix>)
}

var arches = map[string]Arch{
	"arm64": {
		Name: "arm64", DebArch: "arm64", Kernel: "linux-image-arm64", Binfmt: "qemu-aarch64",
		System: "qemu-system-aarch64", CPU: "cortex-a53", Uname: "aarch64",
		Hardware: "qemu-arm64", ProbeBuild: "arm64",
	},
	"armv7": {
		// The LPAE flavour boots on QEMU's virt machine with a Cortex-A15,
		// the oldest CPU the virt machine offers that a Pi 2's kernel code
		// path resembles (ARMv7-A with NEON).
		Name: "armv7", DebArch: "armhf", Kernel: "linux-image-armmp-lpae", Binfmt: "qemu-arm",
		System: "qemu-system-arm", CPU: "cortex-a15", Uname: "armv7l",
		Hardware: "qemu-armv7", ProbeBuild: "armv7",
	},
}

// LookupArch returns the architecture named name (arm64 or armv7).
func LookupArch(name string) (Arch, error) {
	a, ok := arches[name]
	if !ok {
		return Arch{}, fmt.Errorf("unknown architecture %q (known: %s)", name, strings.Join(ArchNames(), ", "))
	}
	return a, nil
}

// ArchNames lists the architectures LookupArch knows, sorted.
func ArchNames() []string {
	names := make([]string, 0, len(arches))
	for n := range arches {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
