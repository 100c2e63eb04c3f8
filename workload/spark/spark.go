// Package spark starts and stops a Spark standalone cluster (a master and
// workers) from the PySpark package install puts in a virtual environment,
// and submits the streaming job to it, each as a foreground process run
// through its host's transport.
package spark

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/workload/daemon"
)

// Install is where PySpark is on every host.
type Install struct {
	SparkHome string // …/site-packages/pyspark
	Python    string // the venv's python
	// CPUQuota, when above zero, starts every Spark process in the cgroup
	// Cgroup of its host, limited to that many cores (cgroup v1's cpu
	// controller or v2's cpu.max); the executors and the job's Python
	// workers, children of those processes, inherit it.
	CPUQuota float64
	Cgroup   string
	// JavaHome, when set, is a directory made on every host whose
	// bin/java runs the real java under the name of the Spark process it
	// starts (spark-master, spark-worker, spark-executor, spark-driver),
	// so that the probe can watch each as a daemon of its own.
	JavaHome string
}

// javaHomeScript makes the JAVA_HOME of Install.JavaHome in $1.
const javaHomeScript = `set -e
d=$1; real=$(readlink -f "$(command -v java)")
[ -n "$real" ] || { echo "java is not installed" >&2; exit 3; }
mkdir -p "$d/bin"
for n in spark-master spark-worker spark-executor spark-driver spark-launcher; do ln -sf "$real" "$d/bin/$n"; done
cat > "$d/bin/java.tmp" <<'EOF'
#!/bin/sh
# java for Spark, named after the process it runs (made by edgerig).
n=spark-launcher
for a in "$@"; do
  case $a in
    org.apache.spark.launcher.Main) break;;
    org.apache.spark.deploy.master.Master) n=spark-master; break;;
    org.apache.spark.deploy.worker.Worker) n=spark-worker; break;;
    org.apache.spark.executor.CoarseGrainedExecutorBackend) n=spark-executor; break;;
    org.apache.spark.deploy.SparkSubmit) n=spark-driver; break;;
  esac
done
exec "$(dirname "$0")/$n" "$@"
EOF
chmod +x "$d/bin/java.tmp" && mv "$d/bin/java.tmp" "$d/bin/java"`

// prepare makes the named java on h.
func (in Install) prepare(h daemon.Runner) error {
	if in.JavaHome == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out transport.Tail
	if err := h.Run(ctx, transport.Cmd{Args: []string{"sh", "-c", javaHomeScript, "sh", in.JavaHome}, Stdout: &out, Stderr: &out}); err != nil {
		return fmt.Errorf("spark: make the named java in %s: %w: %s", in.JavaHome, err, out.String())
	}
	return nil
}

// limitScript joins the cgroup named $1 with a quota of $2 µs per 100 ms,
// creating it if needed, then execs the rest of its arguments.
const limitScript = `set -e
cg=$1; q=$2; shift 2
fail() { echo "workload.spark_cpu_quota: cannot $1 (root and a writable cgroup cpu controller are needed)" >&2; exit 3; }
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  echo +cpu > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
  d=/sys/fs/cgroup/$cg
  mkdir -p "$d" 2>/dev/null || fail "create the cgroup $d"
  echo "$q 100000" > "$d/cpu.max" || fail "set $d/cpu.max"
else
  d=/sys/fs/cgroup/cpu/$cg
  mkdir -p "$d" 2>/dev/null || fail "create the cgroup $d"
  echo 100000 > "$d/cpu.cfs_period_us" || fail "set $d/cpu.cfs_period_us"
  echo "$q" > "$d/cpu.cfs_quota_us" || fail "set $d/cpu.cfs_quota_us"
fi
echo $$ > "$d/cgroup.procs" || fail "join $d"
exec "$@"`

// limited wraps args in the cgroup join when a quota is set.
func (in Install) limited(args []string) []string {
	if in.CPUQuota <= 0 {
		return args
	}
	q := max(int(in.CPUQuota*100000), 1000)
	return append([]string{"sh", "-c", limitScript, "sh", in.Cgroup, fmt.Sprint(q)}, args...)
}

// removeCgroup removes the quota's cgroup on a host once its processes
// have ended; a cgroup still holding a process stays and is reported.
func (in Install) removeCgroup(h daemon.Runner) error {
	if in.CPUQuota <= 0 {
		return nil
	}
	script := `for d in /sys/fs/cgroup/$1 /sys/fs/cgroup/cpu/$1; do [ -d "$d" ] && rmdir "$d"; done; true`
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.Run(ctx, transport.Cmd{Args: []string{"sh", "-c", script, "sh", in.Cgroup}}); err != nil {
		return fmt.Errorf("remove cgroup %s: %w", in.Cgroup, err)
	}
	return nil
}

// Node is one master or worker.
type Node struct {
	Host    daemon.Runner
	Addr    string
	Port    int // master: 7077; worker: its own RPC port
	WebPort int // master: 8080; worker: 8081
	Cores   int // worker only
	Memory  string
	Dir     string // worker only: its work directory
}

// Cluster is a started master and workers.
type Cluster struct {
	inst    Install
	master  Node
	daemons []*daemon.Daemon
	jobs    map[*daemon.Daemon]bool // the submitted jobs among daemons
	hosts   []daemon.Runner         // the host of every process started, in order
}

func (c *Cluster) start(h daemon.Runner, name string, args []string, env []string, out io.Writer) *daemon.Daemon {
	c.hosts = append(c.hosts, h)
	d := daemon.Start(h, name, c.inst.limited(args), env, out)
	c.daemons = append(c.daemons, d)
	return d
}

// Env is the environment every Spark process gets. TZ=UTC makes pprint's
// batch header (a local time) unambiguous; PYTHONUNBUFFERED makes the
// job's output arrive line by line instead of in 4 KiB blocks.
func (in Install) Env(addr string) []string {
	env := []string{
		"SPARK_HOME=" + in.SparkHome,
		"SPARK_LOCAL_IP=" + addr,
		"SPARK_NO_DAEMONIZE=1",
		"PYSPARK_PYTHON=" + in.Python,
		"PYSPARK_DRIVER_PYTHON=" + in.Python,
		"PYTHONUNBUFFERED=1",
		"TZ=UTC",
	}
	if in.JavaHome != "" {
		env = append(env, "JAVA_HOME="+in.JavaHome)
	}
	return env
}

// Start starts the master, then the workers, and waits until the master
// lists every worker ALIVE, or ctx ends. On error call Stop.
func Start(ctx context.Context, in Install, master Node, workers []Node) (*Cluster, error) {
	c := &Cluster{inst: in, master: master}
	if err := in.prepare(master.Host); err != nil {
		return c, err
	}
	for _, w := range workers {
		if err := in.prepare(w.Host); err != nil {
			return c, err
		}
	}
	class := path.Join(in.SparkHome, "bin", "spark-class")
	c.start(master.Host, "Spark master", []string{class, "org.apache.spark.deploy.master.Master",
		"--host", master.Addr, "--port", fmt.Sprint(master.Port), "--webui-port", fmt.Sprint(master.WebPort)}, in.Env(master.Addr), nil)
	for i, w := range workers {
		args := []string{"sh", "-c", `mkdir -p "$1" && shift && exec "$@"`, "sh", w.Dir, class, "org.apache.spark.deploy.worker.Worker", c.URL(),
			"--host", w.Addr, "--port", fmt.Sprint(w.Port), "--webui-port", fmt.Sprint(w.WebPort),
			"--cores", fmt.Sprint(max(w.Cores, 1)), "--memory", w.Memory, "--work-dir", w.Dir}
		c.start(w.Host, fmt.Sprintf("Spark worker %d", i), args, in.Env(w.Addr), nil)
	}
	return c, c.waitReady(ctx, len(workers))
}

// URL is the master's spark:// URL.
func (c *Cluster) URL() string { return fmt.Sprintf("spark://%s:%d", c.master.Addr, c.master.Port) }

// Exited returns the first master or worker that has ended, as an error.
// A submitted job is not among them: its end is read from the Daemon that
// Submit returned, so that a caller can tell a job that failed with its
// input (HDFS gone) from a cluster that fell apart.
func (c *Cluster) Exited() error {
	for _, d := range c.daemons {
		if c.jobs[d] {
			continue
		}
		if err := d.Exited(); err != nil {
			return fmt.Errorf("spark: %w", err)
		}
	}
	return nil
}

// Stop ends the workers (and their executors), then the master.
func (c *Cluster) Stop() error {
	var errs []string
	for i := len(c.daemons) - 1; i >= 0; i-- {
		if err := c.daemons[i].Stop(20 * time.Second); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) == 0 {
		for _, h := range c.hosts {
			if err := c.inst.removeCgroup(h); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("spark: %s", strings.Join(errs, "; "))
	}
	return nil
}

func (c *Cluster) waitReady(ctx context.Context, workers int) error {
	u := fmt.Sprintf("http://%s:%d/json/", c.master.Addr, c.master.WebPort)
	hc := &http.Client{Timeout: 2 * time.Second}
	last := "no answer yet"
	for {
		if err := c.Exited(); err != nil {
			return err
		}
		status, alive, err := masterState(ctx, hc, u)
		switch {
		case err != nil:
			last = err.Error()
		case status == "ALIVE" && alive >= workers:
			return nil
		default:
			last = fmt.Sprintf("master %s with %d of %d workers alive", status, alive, workers)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("spark: not ready (%s): %w", last, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func masterState(ctx context.Context, hc *http.Client, u string) (string, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	var b struct {
		Status  string
		Workers []struct{ State string }
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&b); err != nil {
		return "", 0, fmt.Errorf("master /json/: %w", err)
	}
	alive := 0
	for _, w := range b.Workers {
		if w.State == "ALIVE" {
			alive++
		}
	}
	return b.Status, alive, nil
}
