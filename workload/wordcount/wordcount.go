// Package wordcount runs the Scolati et al. word-count workload for one
// trial: it installs HDFS and PySpark on the hosts, starts a NameNode, the
// DataNodes, a Spark master, workers and the streaming job (setup), warms
// the job up, drives the submitters and accounts for the delay of every
// file (measure), and stops everything it started (teardown, always).
package wordcount

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgerig/edgerig/delay"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/workload/daemon"
	"github.com/edgerig/edgerig/workload/hdfs"
	"github.com/edgerig/edgerig/workload/spark"
)

// Host is one host of the testbed as the workload sees it.
type Host struct {
	Name  string
	T     transport.Transport
	Addr  string // the address the other hosts reach it at
	Local bool   // this machine: ports are picked free
	Roles []string
	Clock delay.Clock
}

func (h Host) has(role string) bool {
	for _, r := range h.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Config is one trial's workload.
type Config struct {
	Workload   spec.Workload
	Trial      string
	Hosts      []Host
	MasterRole string // NameNode and Spark master
	WorkerRole string // DataNodes and Spark workers
	// RemoteDir is the working directory on every host; the trial's
	// files go under RemoteDir/wordcount/TRIAL and are removed at teardown.
	RemoteDir string
	// OutDir is the run directory: delays.csv, batches.csv and the job's
	// stamped output (wordcount/TRIAL-job.log) go there.
	OutDir   string
	Event    func(results.Event)
	Progress io.Writer
	// Warmup bounds the warm-up (2 minutes when zero); a job that has not
	// caught up by then is measured anyway, and the events say so.
	Warmup time.Duration
	// Drain is how long measure waits, after the last file was due, for
	// output of files still in flight; 30 s (at least 10 intervals) when zero.
	Drain time.Duration
}

// Workload is one trial's running word count.
type Workload struct {
	cfg                 Config
	nn, driver          Host
	workers, collectors []Host
	dir                 string
	hdfs                *hdfs.Cluster
	spark               *spark.Cluster
	job                 *daemon.Daemon
	parser              *delay.Parser
	readDone            chan struct{}
	logFile             *os.File
	watched             string // HDFS path of the watched directory
	hdfsFailed          bool   // an HDFS daemon ended during measure
	svc                 *Services
}

// New checks that the hosts have the roles the workload needs.
func New(cfg Config) (*Workload, error) {
	w := &Workload{cfg: cfg, dir: cfg.RemoteDir + "/wordcount/" + cfg.Trial, parser: delay.NewParser()}
	if cfg.Event == nil {
		w.cfg.Event = func(results.Event) {}
	}
	if cfg.Progress == nil {
		w.cfg.Progress = io.Discard
	}
	var nns, drivers []Host
	for _, h := range cfg.Hosts {
		if h.has(cfg.MasterRole) {
			nns = append(nns, h)
		}
		if h.has(cfg.WorkerRole) {
			w.workers = append(w.workers, h)
		}
		if h.has(cfg.Workload.DriverRole) {
			drivers = append(drivers, h)
		}
		if h.has(cfg.Workload.CollectorsRole) {
			w.collectors = append(w.collectors, h)
		}
	}
	var errs []error
	need := func(what string, got []Host, role string, one bool) {
		if len(got) == 0 || one && len(got) > 1 {
			n := "at least one host"
			if one {
				n = "exactly one host"
			}
			errs = append(errs, fmt.Errorf("workload wordcount: %s needs %s with role %q, found %d", what, n, role, len(got)))
		}
	}
	need("the NameNode and Spark master", nns, cfg.MasterRole, true)
	need("the DataNodes and Spark workers", w.workers, cfg.WorkerRole, false)
	need("the Spark driver", drivers, cfg.Workload.DriverRole, true)
	need("the submitters", w.collectors, cfg.Workload.CollectorsRole, false)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	w.nn, w.driver = nns[0], drivers[0]
	w.watched = "/edgerig/" + cfg.Trial + "/in"
	return w, nil
}

func (w *Workload) printf(format string, args ...any) {
	fmt.Fprintf(w.cfg.Progress, "edgerig: wordcount: "+format+"\n", args...)
}

func (w *Workload) event(typ, msg string, data map[string]any) {
	w.cfg.Event(results.Event{Type: typ, Trial: w.cfg.Trial, Message: msg, Data: data})
}

// Teardown stops the job, the Spark cluster and HDFS, in that order,
// whatever state setup or measure left them in, and removes the trial's
// working directories on the hosts.
func (w *Workload) Teardown(ctx context.Context) error {
	var errs []error
	if w.job != nil {
		if err := w.job.Stop(30 * time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	if w.spark != nil {
		errs = append(errs, w.spark.Stop())
	}
	if w.hdfs != nil {
		errs = append(errs, w.hdfs.Stop())
	}
	if w.readDone != nil {
		select {
		case <-w.readDone:
		case <-time.After(10 * time.Second):
			errs = append(errs, fmt.Errorf("wordcount: the job's output did not end within 10 s of stopping it"))
		}
	}
	if w.logFile != nil {
		errs = append(errs, w.logFile.Close())
	}
	if w.svc != nil {
		// Services a Run could not remove, or an earlier cut-short run left.
		errs = append(errs, w.svc.Stack.Remove(ctx))
	}
	seen := map[string]bool{}
	for _, h := range w.cfg.Hosts {
		if seen[h.Name] {
			continue
		}
		seen[h.Name] = true
		if err := h.T.Run(ctx, transport.Cmd{Args: []string{"rm", "-rf", w.dir}}); err != nil {
			errs = append(errs, fmt.Errorf("wordcount: remove %s on %s: %w", w.dir, h.Name, err))
		}
	}
	return errors.Join(errs...)
}

// jobLogPath is where the job's stamped output is kept in the run directory.
func (w *Workload) jobLogPath() string {
	return filepath.Join(w.cfg.OutDir, "wordcount", results.SafeName(w.cfg.Trial)+"-job.log")
}

func tokenPrefix(trial string, i int, warm bool) string {
	var b strings.Builder
	for _, r := range strings.ToLower(trial) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	kind := "m"
	if warm {
		kind = "w"
	}
	return fmt.Sprintf("t%sc%d%s", b.String(), i, kind)
}
