package wordcount

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/workload/daemon"
	"github.com/edgerig/edgerig/workload/hdfs"
	"github.com/edgerig/edgerig/workload/install"
	"github.com/edgerig/edgerig/workload/spark"
	"github.com/edgerig/edgerig/workload/submit"
	"github.com/edgerig/edgerig/workload/webhdfs"
)

// Setup installs what is missing, starts HDFS, the Spark cluster and the
// job, and warms the job up. What it started stays running on error, for
// Teardown to stop.
func (w *Workload) Setup(ctx context.Context) error {
	paths := map[string]install.Paths{}
	hdfsHost := func(h Host) hdfs.Host { return h.T }
	sparkHost := func(h Host) daemon.Runner { return h.T }
	quota := w.cfg.Workload.SparkCPUQuota
	if w.svc != nil {
		if err := w.prepareServices(ctx); err != nil {
			return err
		}
		for _, h := range w.hosts() {
			paths[h.Name] = w.svc.Paths
		}
		hdfsHost = func(h Host) hdfs.Host { return w.svc.Stack.Host(w.node(h, 0)) }
		sparkHost = func(h Host) daemon.Runner { return w.svc.Stack.Host(w.node(h, quota)) }
		// The services' CPU limit replaces the cgroup the processes join.
		quota = 0
	} else {
		for _, h := range w.hosts() {
			w.printf("installing on %s (cached under $EDGERIG_CACHE or ~/.cache/edgerig)", h.Name)
			p, err := install.Install(ctx, h.T, w.dir+"/job", w.cfg.Progress)
			if err != nil {
				return fmt.Errorf("%s: %w", h.Name, err)
			}
			paths[h.Name] = p
		}
	}
	port := portPicker()
	nn := hdfs.NameNode{Host: hdfsHost(w.nn), Addr: w.nn.Addr, RPCPort: port(w.nn, 9000), HTTPPort: port(w.nn, 9870)}
	var dns []hdfs.DataNode
	for i, h := range w.workers {
		dns = append(dns, hdfs.DataNode{Host: hdfsHost(h), Addr: h.Addr, Name: fmt.Sprintf("datanode%d", i),
			DataPort: port(h, 9866), HTTPPort: port(h, 9864), IPCPort: port(h, 9867)})
	}
	w.printf("starting HDFS: NameNode on %s, %d DataNode(s)%s", w.nn.Name, len(dns), w.as())
	start := time.Now()
	var err error
	w.hdfs, err = hdfs.Start(ctx, hdfs.Config{NameNode: nn, DataNodes: dns, Replication: 1,
		Jars: paths[w.nn.Name].Jars, Dir: w.dir + "/hdfs"})
	if err != nil {
		return err
	}
	w.event(results.EventInfo, "HDFS ready", map[string]any{"seconds": time.Since(start).Seconds(), "webhdfs": w.hdfs.HTTPAddr()})
	if err := webhdfs.New(w.hdfs.HTTPAddr(), "edgerig", 10*time.Second).Mkdirs(ctx, w.watched); err != nil {
		return err
	}

	pm := paths[w.nn.Name]
	master := spark.Node{Host: sparkHost(w.nn), Addr: w.nn.Addr, Port: port(w.nn, 7077), WebPort: port(w.nn, 8080)}
	var workers []spark.Node
	for i, h := range w.workers {
		workers = append(workers, spark.Node{Host: sparkHost(h), Addr: h.Addr, Port: port(h, 7078), WebPort: port(h, 8081),
			Cores: 2, Memory: "1g", Dir: fmt.Sprintf("%s/spark-worker%d", w.dir, i)})
	}
	w.printf("starting Spark: master on %s, %d worker(s)%s", w.nn.Name, len(workers), w.as())
	if q := w.cfg.Workload.SparkCPUQuota; q > 0 {
		w.printf("every Spark process runs limited to %g core(s) (workload.spark_cpu_quota)", q)
	}
	start = time.Now()
	w.spark, err = spark.Start(ctx, spark.Install{SparkHome: pm.SparkHome, Python: pm.Python,
		CPUQuota: quota, Cgroup: fmt.Sprintf("edgerig-spark-%s-%d", results.SafeName(w.cfg.Trial), os.Getpid()),
		JavaHome: w.dir + "/spark-java"}, master, workers)
	if err != nil {
		return err
	}
	w.event(results.EventInfo, "Spark ready", map[string]any{"seconds": time.Since(start).Seconds(), "master": w.spark.URL()})
	w.event(results.EventInfo, "wordcount placement", w.placement())
	if err := w.submitJob(sparkHost(w.driver), paths[w.driver.Name]); err != nil {
		return err
	}
	return w.warmup(ctx)
}

// submitJob starts the streaming job; its stamped output is kept in the
// run directory and parsed as it arrives.
func (w *Workload) submitJob(host daemon.Runner, p install.Paths) error {
	if err := os.MkdirAll(filepath.Dir(w.jobLogPath()), 0o755); err != nil {
		return fmt.Errorf("wordcount: %w", err)
	}
	f, err := os.Create(w.jobLogPath())
	if err != nil {
		return fmt.Errorf("wordcount: %w", err)
	}
	w.logFile = f
	pr, pw := io.Pipe()
	w.readDone = make(chan struct{})
	go func() {
		defer close(w.readDone)
		_ = w.parser.Read(io.TeeReader(pr, f), nil)
		_, _ = io.Copy(io.Discard, pr)
	}()
	wl := w.cfg.Workload
	w.job, err = w.spark.Submit(spark.Job{Host: host, Addr: w.driver.Addr, Stamp: p.Stamp, Script: p.Job,
		Dir: w.hdfs.URI() + w.watched, PollInterval: wl.PollInterval.Seconds(),
		ExecutorMemory: fmt.Sprintf("%dm", int64(wl.ExecutorMemory)/1_000_000), ExecutorCores: 2 * len(w.workers)}, pw)
	if err != nil {
		pw.Close()
		return err
	}
	go func() {
		<-w.job.Done()
		pw.Close()
	}()
	w.printf("submitted the streaming job on %s (output: %s)", w.driver.Name, w.jobLogPath())
	return nil
}

// warmup feeds the job one file at a time (the next only once the last
// was printed, and never faster than the spec's rate) until it has printed
// one and its last three batches each took less than the interval. The
// first batches take seconds while executors start; feeding them at the
// full rate then would queue a backlog that measure inherits, so the
// warm-up is closed-loop and measure starts from an empty queue.
func (w *Workload) warmup(parent context.Context) error {
	limit := w.cfg.Warmup
	if limit == 0 {
		limit = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(parent, limit)
	defer cancel()
	start := time.Now()
	w.printf("warming up: one file at a time until batches keep up with the %s interval (at most %s)", w.cfg.Workload.PollInterval, limit)
	fs := webhdfs.New(w.hdfs.HTTPAddr(), "edgerig", 10*time.Second)
	prefix := tokenPrefix(w.cfg.Trial, 0, true)
	pending, seq := "", 0
	var sent time.Time
	for {
		if err := w.failed(); err != nil {
			return err
		}
		if ok, why := w.warm(); ok {
			w.event(results.EventInfo, "warm-up done", map[string]any{"seconds": time.Since(start).Seconds(), "files": seq, "why": why, "converged": true})
			w.printf("warm-up done after %s (%d files): %s", time.Since(start).Round(time.Second), seq, why)
			return nil
		}
		if (pending == "" || w.printed(pending) || time.Since(sent) > 30*w.period()) && time.Since(sent) >= w.period() {
			sent = time.Now()
			var rec submit.Record
			_ = submit.Run(ctx, submit.Config{Period: w.period(), Count: 1, Size: int(w.cfg.Workload.FileSize),
				Dir: w.watched, Prefix: prefix + fmt.Sprint(seq)}, fs, func(r submit.Record) { rec = r })
			seq++
			pending = ""
			if rec.Err == "" && rec.Name != "" {
				pending = rec.Name
			}
		}
		select {
		case <-ctx.Done():
			_, why := w.warm()
			if parent.Err() != nil {
				return fmt.Errorf("wordcount: warming up (%s): %w", why, parent.Err())
			}
			// A job that cannot keep up with the interval never warms up;
			// that is a result to measure, not a reason to give up.
			msg := fmt.Sprintf("warm-up did not converge within %s: %s; measuring anyway", limit, why)
			w.event(results.EventInfo, msg, map[string]any{"seconds": time.Since(start).Seconds(), "files": seq, "converged": false})
			w.printf("%s", msg)
			return nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// placement names the host of every part, for the report's Table 2.
func (w *Workload) placement() map[string]any {
	names := func(hs []Host) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.Name)
		}
		return out
	}
	as := "processes"
	if w.svc != nil {
		as = "swarm services of stack " + w.svc.Stack.Name()
	}
	return map[string]any{"as": as, "namenode": w.nn.Name, "spark-master": w.nn.Name, "datanodes": names(w.workers),
		"spark-workers": names(w.workers), "driver": w.driver.Name, "collectors": names(w.collectors),
		"spark_cpu_quota": w.cfg.Workload.SparkCPUQuota}
}

// printed says whether a batch listing the file has printed its output.
func (w *Workload) printed(name string) bool {
	for _, b := range w.parser.Batches() {
		if b.PrintEnd.IsZero() {
			continue
		}
		for _, f := range b.Files {
			if f == name {
				return true
			}
		}
	}
	return false
}

// warm says whether a batch with files has been printed and the last three
// batches with a known processing time each took less than the interval.
func (w *Workload) warm() (bool, string) {
	bs := w.parser.Batches()
	printed, n := false, 0
	var last []time.Duration
	for _, b := range bs {
		printed = printed || len(b.Files) > 0 && !b.PrintEnd.IsZero()
		if b.HaveDelay {
			last = append(last, b.Total)
			n++
		}
	}
	if len(last) > 3 {
		last = last[len(last)-3:]
	}
	slow := 0
	for _, d := range last {
		if d >= w.cfg.Workload.PollInterval {
			slow++
		}
	}
	why := fmt.Sprintf("%d batches done, last total delays %v, a file printed: %v", n, last, printed)
	return printed && len(last) == 3 && slow == 0, why
}

// failed reports a stopped job or HDFS or Spark daemon.
func (w *Workload) failed() error {
	if w.job != nil {
		if err := w.job.Exited(); err != nil {
			return fmt.Errorf("wordcount: the Spark streaming job ended: %w", err)
		}
	}
	if err := w.spark.Exited(); err != nil {
		return err
	}
	return w.hdfs.Exited()
}

func (w *Workload) period() time.Duration { return w.cfg.Workload.Rate.Interval() }

// hosts returns each host of the workload once.
func (w *Workload) hosts() []Host {
	var out []Host
	seen := map[string]bool{}
	for _, h := range append(append([]Host{w.nn, w.driver}, w.workers...), w.collectors...) {
		if !seen[h.Name] {
			seen[h.Name] = true
			out = append(out, h)
		}
	}
	return out
}

// portPicker gives the default port for a remote host and a free loopback
// port on this machine, where several daemons of one kind share the host
// (and other programs may hold the defaults).
func portPicker() func(h Host, def int) int {
	return func(h Host, def int) int {
		if !h.Local {
			return def
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return def
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
}
