// Package sparkimage builds the container image the word-count experiment's
// HDFS and Spark containers run, for amd64 and for the Raspberry Pi's arm64
// and armv7, on this machine and without a registry: a Debian root
// filesystem made by debootstrap (under qemu-user for the ARM ones), with
// Java, Python, the Hadoop jars, PySpark and the job added from the host's
// install caches, imported into the local Docker engine.
package sparkimage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/edgerig/edgerig/fixtures/sparkjob"
)

// Version names the recipe. Bump it when the image must change for a
// reason the hashed inputs do not show, such as how the root filesystem is
// slimmed or where the layer puts things.
const Version = "1"

// Suite is the Debian release of the image.
const Suite = "bookworm"

// Packages are installed on top of debootstrap's minbase: Java for the
// HDFS daemons and Spark's JVMs, Python for PySpark, and procps, whose ps
// and pkill Spark's scripts and the runner use. Nothing else: the image is
// copied to every node of a cluster of small boards.
var Packages = []string{"openjdk-17-jre-headless", "python3", "procps"}

// Repository is the local repository of the images; the tag is the
// architecture and the image key.
const Repository = "edgerig-spark"

// Arch is one architecture the image is built for.
type Arch struct {
	Name     string // edgerig's name: amd64, arm64, armv7
	DebArch  string // Debian's: amd64, arm64, armhf
	Platform string // the engine's os/arch[/variant]
	Uname    string // what uname -m answers in a container of the image
	Binfmt   string // the binfmt_misc entry that runs its binaries here ("" when native)
}

var arches = map[string]Arch{
	"amd64": {Name: "amd64", DebArch: "amd64", Platform: "linux/amd64", Uname: "x86_64"},
	"arm64": {Name: "arm64", DebArch: "arm64", Platform: "linux/arm64", Uname: "aarch64", Binfmt: "qemu-aarch64"},
	"armv7": {Name: "armv7", DebArch: "armhf", Platform: "linux/arm/v7", Uname: "armv7l", Binfmt: "qemu-arm"},
}

// LookupArch returns the architecture named name.
func LookupArch(name string) (Arch, error) {
	a, ok := arches[name]
	if !ok {
		names := make([]string, 0, len(arches))
		for n := range arches {
			names = append(names, n)
		}
		sort.Strings(names)
		return Arch{}, fmt.Errorf("sparkimage: unknown architecture %q (known: %s)", name, strings.Join(names, ", "))
	}
	return a, nil
}

// ArchOfUname returns the architecture whose containers answer uname -m
// with m: x86_64, aarch64 (a 64-bit Raspberry Pi OS) or armv7l (a 32-bit
// one on a Pi 2 or later).
func ArchOfUname(m string) (Arch, error) {
	for _, a := range arches {
		if a.Uname == m {
			return a, nil
		}
	}
	return Arch{}, fmt.Errorf("sparkimage: no image for machines of architecture %q (uname -m): amd64 (x86_64), arm64 (aarch64) and armv7 (armv7l) are built", m)
}

// JavaHome is where Debian's Java 17 is in the image.
func (a Arch) JavaHome() string { return "/usr/lib/jvm/java-17-openjdk-" + a.DebArch }

// Paths are where the word count's parts are inside the image, the same
// on every architecture.
var Paths = struct {
	Jars      string // directory of the Hadoop jars
	Python    string // the interpreter that imports pyspark
	SparkHome string // the pyspark package directory (bin/spark-class, jars)
	Job       string // wordcount.py
	Stamp     string // stamp.py
}{
	Jars:      "/opt/edgerig/hadoop/jars",
	Python:    "/usr/bin/python3",
	SparkHome: pythonDir + "/pyspark",
	Job:       "/opt/edgerig/job/wordcount.py",
	Stamp:     "/opt/edgerig/job/stamp.py",
}

// pythonDir holds pyspark and py4j; a .pth file in Debian's dist-packages
// puts it on every python3's path, so that no environment variable has to
// reach Spark's Python workers.
const pythonDir = "/opt/edgerig/python"

// pthPath is that .pth file.
const pthPath = "/usr/lib/python3/dist-packages/edgerig.pth"

// RootfsKey identifies the debootstrapped root filesystem of a: only what
// debootstrap is given. The mirror is left out: any mirror serves the same
// packages.
func RootfsKey(a Arch) string {
	return hashOf("sparkimage-rootfs", Version, Suite, "minbase", a.DebArch, strings.Join(Packages, ","))
}

// Key identifies the image of a: its root filesystem and what the layer
// adds. A new job file makes a new image from the cached root filesystem,
// without a new debootstrap.
func Key(a Arch) string {
	return hashOf("sparkimage", RootfsKey(a), "hadoop", sparkjob.HadoopVersion, "pyspark", sparkjob.PySparkVersion,
		string(sparkjob.WordCount), string(sparkjob.Stamp), pythonDir, Paths.Jars, Paths.Job, Paths.Stamp)
}

// Ref is the tag of a's image for the current recipe.
func Ref(a Arch) string { return Repository + ":" + a.Name + "-" + Key(a) }

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
