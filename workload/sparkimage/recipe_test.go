package sparkimage

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/fixtures/sparkjob"
)

func TestKeys(t *testing.T) {
	seen := map[string]string{}
	for _, name := range []string{"amd64", "arm64", "armv7"} {
		a, err := LookupArch(name)
		require.NoError(t, err)
		require.Len(t, RootfsKey(a), 16)
		require.NotEqual(t, RootfsKey(a), Key(a), "the image key covers more than the root filesystem")
		require.Equal(t, Repository+":"+name+"-"+Key(a), Ref(a))
		for _, k := range []string{RootfsKey(a), Key(a)} {
			require.NotContains(t, seen, k, "%s's key %s is also %s's", name, k, seen[k])
			seen[k] = name
		}
	}
	require.NotEqual(t, hashOf("a", "bc"), hashOf("ab", "c"), "parts are delimited")
}

// Every input of the recipe changes the key that names its result.
func TestKeyCoversRecipe(t *testing.T) {
	a, _ := LookupArch("arm64")
	rootfs, key := RootfsKey(a), Key(a)
	cases := []struct {
		name        string
		change      func() func()
		rootfsMoves bool
	}{
		{"packages", func() func() {
			old := Packages
			Packages = append([]string{"less"}, old...)
			return func() { Packages = old }
		}, true},
		{"job", func() func() {
			old := sparkjob.WordCount
			sparkjob.WordCount = append([]byte("# changed\n"), old...)
			return func() { sparkjob.WordCount = old }
		}, false},
		{"stamp", func() func() {
			old := sparkjob.Stamp
			sparkjob.Stamp = append([]byte("# changed\n"), old...)
			return func() { sparkjob.Stamp = old }
		}, false},
		{"paths", func() func() { old := Paths.Jars; Paths.Jars = "/opt/jars"; return func() { Paths.Jars = old } }, false},
		{"arch", func() func() { old := a; a.DebArch = "armhf"; return func() { a = old } }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			undo := c.change()
			r, k := RootfsKey(a), Key(a)
			undo()
			require.NotEqual(t, key, k)
			if c.rootfsMoves {
				require.NotEqual(t, rootfs, r)
			} else {
				require.Equal(t, rootfs, r, "a change to the layer needs no new debootstrap")
			}
		})
	}
	require.Equal(t, key, Key(a), "undone")
}

func TestLookupArch(t *testing.T) {
	for name, want := range map[string][2]string{"amd64": {"amd64", "x86_64"}, "arm64": {"arm64", "aarch64"}, "armv7": {"armhf", "armv7l"}} {
		a, err := LookupArch(name)
		require.NoError(t, err)
		require.Equal(t, want[0], a.DebArch)
		require.Equal(t, want[1], a.Uname)
		require.Equal(t, "/usr/lib/jvm/java-17-openjdk-"+want[0], a.JavaHome())
	}
	_, err := LookupArch("armv6")
	require.ErrorContains(t, err, `unknown architecture "armv6" (known: amd64, arm64, armv7)`)
}

func TestBinfmtFixed(t *testing.T) {
	cases := map[string]bool{
		"enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\nflags: PF\noffset 0\n": true,
		"enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: F\n":                         true,
		"enabled\ninterpreter /usr/bin/qemu-aarch64\nflags: P\noffset 0\n":                      false,
		"enabled\ninterpreter /usr/bin/qemu-aarch64\nflags: \n":                                 false,
		"": false,
	}
	for in, want := range cases {
		require.Equal(t, want, binfmtFixed(in), "%q", in)
	}
}

// The layer keeps the root filesystem and adds the jars, pyspark and py4j
// (with their metadata, not the venv's other packages), the job and the
// .pth file, each at Paths.
func TestWriteLayer(t *testing.T) {
	host := t.TempDir()
	write := func(rel, data string) {
		p := filepath.Join(host, rel)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
	}
	write("jars/hadoop-hdfs-3.5.0.jar", "PK jar")
	write("site/pyspark/__init__.py", "__version__ = '4.3.0'")
	write("site/pyspark/bin/spark-class", "#!/bin/bash")
	require.NoError(t, os.Chmod(filepath.Join(host, "site/pyspark/bin/spark-class"), 0o755))
	write("site/pyspark/jars/spark-core.jar", "\x7fELF inside a jar is the JVM's business")
	write("site/py4j/__init__.py", "")
	write("site/pyspark-4.3.0.dist-info/METADATA", "Name: pyspark")
	write("site/pip/__init__.py", "")
	write("site/pysparkling/__init__.py", "")
	require.NoError(t, os.Symlink("__init__.py", filepath.Join(host, "site/py4j/link.py")))

	var rootfs bytes.Buffer
	tw := tar.NewWriter(&rootfs)
	// debootstrap's /opt: the layer must not write it a second time.
	require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "./opt/", Mode: 0o755}))
	require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: "./usr/bin/java", Mode: 0o755, Size: 4, ModTime: time.Unix(1700000000, 0)}))
	_, _ = tw.Write([]byte("java"))
	require.NoError(t, tw.Close())

	var out bytes.Buffer
	require.NoError(t, writeLayer(&rootfs, &out, parts{Jars: filepath.Join(host, "jars"), SitePackages: filepath.Join(host, "site")}))
	got := map[string]*tar.Header{}
	data := map[string]string{}
	names := map[string]bool{}
	tr := tar.NewReader(&out)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		name := strings.Trim(filepath.Clean("/"+h.Name), "/")
		require.NotContains(t, names, name, "written twice")
		names[name] = true
		b, _ := io.ReadAll(tr)
		got[h.Name], data[h.Name] = h, string(b)
	}
	require.Equal(t, "java", data["./usr/bin/java"])
	rel := func(p string) string { return strings.TrimPrefix(p, "/") }
	require.Equal(t, "PK jar", data[rel(Paths.Jars)+"/hadoop-hdfs-3.5.0.jar"])
	require.Equal(t, "__version__ = '4.3.0'", data[rel(Paths.SparkHome)+"/__init__.py"])
	require.EqualValues(t, 0o755, got[rel(Paths.SparkHome)+"/bin/spark-class"].Mode&0o777)
	require.Contains(t, got, rel(pythonDir)+"/pyspark-4.3.0.dist-info/METADATA")
	require.Contains(t, got, rel(pythonDir)+"/py4j/__init__.py")
	require.Equal(t, "__init__.py", got[rel(pythonDir)+"/py4j/link.py"].Linkname)
	require.NotContains(t, got, rel(pythonDir)+"/pip/__init__.py")
	require.NotContains(t, got, rel(pythonDir)+"/pysparkling/__init__.py")
	require.Equal(t, string(sparkjob.WordCount), data[rel(Paths.Job)])
	require.Equal(t, string(sparkjob.Stamp), data[rel(Paths.Stamp)])
	require.Equal(t, pythonDir+"\n", data[rel(pthPath)])
	for name, h := range got {
		require.Zero(t, h.Uid, name)
	}
}

func TestWriteLayerRefuses(t *testing.T) {
	cases := []struct {
		name   string
		files  map[string]string
		rootfs string // a file the root filesystem has
		want   string
	}{
		{"file there already", map[string]string{"pyspark/__init__.py": "", "py4j/__init__.py": ""}, "./" + strings.TrimPrefix(pthPath, "/"), "the root filesystem has " + strings.TrimPrefix(pthPath, "/") + " already"},
		{"compiled module", map[string]string{"pyspark/__init__.py": "", "pyspark/_fast.cpython-311-x86_64-linux-gnu.so": "\x7fELF", "py4j/__init__.py": ""}, "", "is compiled code"},
		{"ELF without .so", map[string]string{"pyspark/__init__.py": "", "py4j/helper": "\x7fELF\x02"}, "", "is compiled code"},
		{"no py4j", map[string]string{"pyspark/__init__.py": ""}, "", "has no py4j package"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			site := t.TempDir()
			for rel, d := range c.files {
				p := filepath.Join(site, rel)
				require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
				require.NoError(t, os.WriteFile(p, []byte(d), 0o644))
			}
			var rootfs bytes.Buffer
			tw := tar.NewWriter(&rootfs)
			if c.rootfs != "" {
				require.NoError(t, tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: c.rootfs, Mode: 0o644}))
			}
			require.NoError(t, tw.Close())
			err := writeLayer(&rootfs, io.Discard, parts{Jars: t.TempDir(), SitePackages: site})
			require.ErrorContains(t, err, c.want)
		})
	}
}

// A waiting caller gives up when its context ends, naming the lock.
func TestLockWaitEnds(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.lock")
	unlock, err := lockFile(context.Background(), p, io.Discard)
	require.NoError(t, err)
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var progress bytes.Buffer
	_, err = lockFile(ctx, p, &progress)
	require.ErrorContains(t, err, "waiting for the build holding "+p)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Contains(t, progress.String(), "waiting for another build")
}

func TestUnknownArch(t *testing.T) {
	_, err := Ensure(context.Background(), nil, Options{Arch: "riscv64"})
	require.ErrorContains(t, err, `unknown architecture "riscv64"`)
}

func TestArchOfUname(t *testing.T) {
	for m, want := range map[string]string{"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armv7"} {
		a, err := ArchOfUname(m)
		require.NoError(t, err)
		require.Equal(t, want, a.Name)
	}
	_, err := ArchOfUname("armv6l")
	require.ErrorContains(t, err, `no image for machines of architecture "armv6l"`)
}
