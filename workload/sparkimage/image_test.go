package sparkimage

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/docker/pkg/stdcopy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/fixtures/sparkjob"
	"github.com/edgerig/edgerig/internal/testenv"
)

// The amd64 image, the one the Swarm stack runs on this machine, has Java
// 17, a python3 that imports the pinned PySpark, Spark's launcher, the
// Hadoop jars and the job where Paths says.
func TestEnsureAMD64(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (real Docker engine, debootstrap on a cold cache)")
	}
	testenv.Root(t)
	testenv.Command(t, "debootstrap", "mvn", "java")
	cli := testenv.Docker(t)
	ensureAndCheck(t, cli, "amd64")
}

// The ARM images, the ones a Raspberry Pi cluster runs, are built here
// under qemu-user and run under it: each answers uname -m as its board
// would and passes the same checks. The two build side by side.
func TestEnsureARM(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test (real Docker engine, debootstrap under qemu-user)")
	}
	testenv.Root(t)
	testenv.Command(t, "debootstrap", "mvn", "java", "update-binfmts", "qemu-aarch64-static", "qemu-arm-static")
	cli := testenv.Docker(t)
	for _, arch := range []string{"arm64", "armv7"} {
		t.Run(arch, func(t *testing.T) {
			t.Parallel()
			ensureAndCheck(t, cli, arch)
		})
	}
}

func ensureAndCheck(t *testing.T, cli *client.Client, arch string) {
	a, err := LookupArch(arch)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	defer cancel()
	progress := &lineLog{t: t, prefix: arch}
	start := time.Now()
	ref, err := Ensure(ctx, cli, Options{Arch: arch, Progress: progress})
	require.NoError(t, err)
	took := time.Since(start)
	require.Equal(t, Ref(a), ref)
	ins, err := cli.ImageInspect(ctx, ref)
	require.NoError(t, err)
	require.Equal(t, strings.Split(a.Platform, "/")[1], ins.Architecture)
	if b, err := ReadBuild("", a); err == nil {
		t.Logf("%s: Ensure took %s; root filesystem build recorded: %s (emulated %v, load %s); image %.0f MB",
			arch, took.Round(time.Second), b.Duration.Round(time.Second), b.Emulated, b.Load, float64(ins.Size)/1e6)
	}

	again := time.Now()
	ref2, err := Ensure(ctx, cli, Options{Arch: arch})
	require.NoError(t, err)
	require.Equal(t, ref, ref2)
	t.Logf("%s: Ensure with the image tagged: %s", arch, time.Since(again).Round(time.Millisecond))

	script := fmt.Sprintf(`set -e
uname -m
java -version 2>&1 | head -n 1
python3 -c 'import pyspark, py4j; print("pyspark", pyspark.__version__, pyspark.__file__)'
test -x %[1]s/bin/spark-class && echo spark-class ok
ls %[2]s/hadoop-hdfs-%[3]s.jar
test -s %[4]s && test -s %[5]s && echo job ok
test -x "$JAVA_HOME/bin/java" && echo java_home ok`, Paths.SparkHome, Paths.Jars, sparkjob.HadoopVersion, Paths.Job, Paths.Stamp)
	out := runIn(t, cli, ref, a.Platform, script)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 7, out)
	require.Equal(t, a.Uname, lines[0])
	require.Regexp(t, `^openjdk version "17\.`, lines[1])
	require.Equal(t, "pyspark "+sparkjob.PySparkVersion+" "+Paths.SparkHome+"/__init__.py", lines[2])
	require.Equal(t, "spark-class ok", lines[3])
	require.Equal(t, Paths.Jars+"/hadoop-hdfs-"+sparkjob.HadoopVersion+".jar", lines[4])
	require.Equal(t, "job ok", lines[5])
	require.Equal(t, "java_home ok", lines[6])
}

// runIn runs script with sh in a container of ref for platform and returns
// its output; the container is removed when it ends.
func runIn(t *testing.T, cli *client.Client, ref, platform, script string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	f := strings.Split(platform, "/")
	p := &ocispec.Platform{OS: f[0], Architecture: f[1]}
	if len(f) > 2 {
		p.Variant = f[2]
	}
	c, err := cli.ContainerCreate(ctx, &container.Config{Image: ref, Cmd: []string{"sh", "-c", script}, Labels: map[string]string{"edgerig.test": "sparkimage"}},
		nil, nil, p, "")
	require.NoError(t, err)
	t.Cleanup(func() { cli.ContainerRemove(context.Background(), c.ID, container.RemoveOptions{Force: true}) })
	require.NoError(t, cli.ContainerStart(ctx, c.ID, container.StartOptions{}))
	wait, errc := cli.ContainerWait(ctx, c.ID, container.WaitConditionNotRunning)
	var code int64
	select {
	case r := <-wait:
		code = r.StatusCode
	case err := <-errc:
		require.NoError(t, err)
	}
	logs, err := cli.ContainerLogs(ctx, c.ID, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	require.NoError(t, err)
	defer logs.Close()
	var out, errb bytes.Buffer
	_, _ = stdcopy.StdCopy(&out, &errb, logs)
	require.Zero(t, code, "script failed in %s: %s%s", ref, out.String(), errb.String())
	return out.String()
}

// lineLog passes progress lines to the test log (and to stderr, so a long
// build shows it is alive with -v).
type lineLog struct {
	t      *testing.T
	prefix string
	mu     sync.Mutex
	buf    []byte
}

func (l *lineLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		line := string(l.buf[:i])
		l.buf = l.buf[i+1:]
		if strings.HasPrefix(line, "sparkimage:") || strings.HasPrefix(line, "install:") || strings.HasPrefix(line, "E:") || strings.HasPrefix(line, "W:") {
			fmt.Fprintf(os.Stderr, "%s %s: %s\n", time.Now().Format("15:04:05"), l.prefix, line)
		}
	}
}
