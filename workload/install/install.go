// Package install puts what the word-count experiment runs on a host: the
// HDFS daemons' jars (resolved by Maven from the embedded pom.xml) and a
// Python virtual environment with the pinned PySpark, both cached on the
// host under $EDGERIG_CACHE (default ~/.cache/edgerig), keyed by version
// and reused when complete; and the job and its line stamper.
package install

import (
	"context"
	"fmt"
	"io"
	"os"
	"path"
	"strings"

	"github.com/edgerig/edgerig/fixtures/sparkjob"
	"github.com/edgerig/edgerig/transport"
)

// Host is what installing needs of a host's transport.
type Host interface {
	Run(ctx context.Context, c transport.Cmd) error
	Copy(ctx context.Context, src, dst string, perm os.FileMode) error
}

// Paths are where the installed parts are on the host.
type Paths struct {
	Jars      string // directory of the Hadoop jars
	Venv      string // the virtual environment with PySpark
	Python    string // its interpreter
	SparkHome string // the pyspark package directory (bin/spark-class, jars)
	Job       string // wordcount.py
	Stamp     string // stamp.py
}

// script installs into the cache unless a completed install is there. A
// marker written last tells a complete install from one cut short, which
// is removed and done again. Arguments: work dir (holding the pom and
// requirements), hadoop version, pyspark version.
const script = `set -eu
cache=${EDGERIG_CACHE:-$HOME/.cache/edgerig}
work=$1; hv=$2; pv=$3
h=$cache/hadoop/$hv; p=$cache/pyspark/$pv
if [ ! -f "$h/.complete" ]; then
  command -v mvn >/dev/null || { echo "install: mvn is not installed (fixtures/setup/deps.sh installs maven)" >&2; exit 3; }
  command -v java >/dev/null || { echo "install: java is not installed (fixtures/setup/deps.sh installs openjdk-17-jre-headless)" >&2; exit 3; }
  echo "install: resolving the Hadoop $hv jars with Maven into $h (about 30 s the first time)"
  rm -rf "$h"; mkdir -p "$h"
  mvn -B -ntp -Dstyle.color=never -f "$work/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$h/jars" | grep -E 'BUILD|ERROR|Copying' | sed 's/^/install: mvn: /' | tail -n 3
  [ -f "$h/jars/hadoop-hdfs-$hv.jar" ] || { echo "install: mvn did not produce hadoop-hdfs-$hv.jar" >&2; exit 4; }
  touch "$h/.complete"
fi
if [ ! -f "$p/.complete" ]; then
  echo "install: building a Python venv with pyspark==$pv in $p (about 40 s the first time: pip builds a 456 MB wheel)"
  rm -rf "$p"; mkdir -p "$(dirname "$p")"
  python3 -m venv "$p" || { echo "install: python3 -m venv failed (fixtures/setup/deps.sh installs python3-venv)" >&2; exit 3; }
  "$p/bin/pip" install -q --disable-pip-version-check -r "$work/requirements.txt"
  touch "$p/.complete"
fi
echo "cache $h $p"
ls -d "$p"/lib/python3*/site-packages/pyspark
`

// Install places the files on the host under dir and fills the caches,
// writing progress lines to progress.
func Install(ctx context.Context, h Host, dir string, progress io.Writer) (Paths, error) {
	if err := h.Run(ctx, transport.Cmd{Args: []string{"mkdir", "-p", dir}}); err != nil {
		return Paths{}, fmt.Errorf("install: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{"pom.xml", sparkjob.POM}, {"requirements.txt", sparkjob.Requirements}, {"wordcount.py", sparkjob.WordCount}, {"stamp.py", sparkjob.Stamp}}
	for _, f := range files {
		if err := copyBytes(ctx, h, f.data, path.Join(dir, f.name)); err != nil {
			return Paths{}, err
		}
	}
	var out strings.Builder
	err := h.Run(ctx, transport.Cmd{
		Args:   []string{"sh", "-c", script, "sh", dir, sparkjob.HadoopVersion, sparkjob.PySparkVersion},
		Stdout: io.MultiWriter(&out, progressLines(progress)),
		Stderr: progress,
	})
	if err != nil {
		return Paths{}, fmt.Errorf("install the HDFS jars and PySpark: %w", err)
	}
	return parse(out.String(), dir)
}

func parse(out, dir string) (Paths, error) {
	var p Paths
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 3 && f[0] == "cache":
			p.Jars, p.Venv = path.Join(f[1], "jars"), f[2]
		case len(f) == 1 && strings.HasSuffix(f[0], "/site-packages/pyspark"):
			p.SparkHome = f[0]
		}
	}
	if p.Jars == "" || p.SparkHome == "" {
		return Paths{}, fmt.Errorf("install: unexpected output, no cache paths in:\n%s", out)
	}
	p.Python = path.Join(p.Venv, "bin", "python")
	p.Job, p.Stamp = path.Join(dir, "wordcount.py"), path.Join(dir, "stamp.py")
	return p, nil
}

func copyBytes(ctx context.Context, h Host, data []byte, dst string) error {
	f, err := os.CreateTemp("", "edgerig-sparkjob-*")
	if err != nil {
		return fmt.Errorf("install: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("install: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("install: %w", err)
	}
	if err := h.Copy(ctx, f.Name(), dst, 0o644); err != nil {
		return fmt.Errorf("install: copy %s: %w", path.Base(dst), err)
	}
	return nil
}

// progressLines passes on the install script's own progress lines only.
func progressLines(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return &prefixFilter{w: w}
}

type prefixFilter struct {
	w   io.Writer
	buf []byte
}

func (p *prefixFilter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(p.buf[:i+1])
		p.buf = p.buf[i+1:]
		if strings.HasPrefix(line, "install: ") {
			_, _ = io.WriteString(p.w, line)
		}
	}
}
