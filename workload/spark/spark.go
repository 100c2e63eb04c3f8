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

	"github.com/edgerig/edgerig/workload/daemon"
)

// Install is where PySpark is on every host.
type Install struct {
	SparkHome string // …/site-packages/pyspark
	Python    string // the venv's python
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
}

// Env is the environment every Spark process gets. TZ=UTC makes pprint's
// batch header (a local time) unambiguous; PYTHONUNBUFFERED makes the
// job's output arrive line by line instead of in 4 KiB blocks.
func (in Install) Env(addr string) []string {
	return []string{
		"SPARK_HOME=" + in.SparkHome,
		"SPARK_LOCAL_IP=" + addr,
		"SPARK_NO_DAEMONIZE=1",
		"PYSPARK_PYTHON=" + in.Python,
		"PYSPARK_DRIVER_PYTHON=" + in.Python,
		"PYTHONUNBUFFERED=1",
		"TZ=UTC",
	}
}

// Start starts the master, then the workers, and waits until the master
// lists every worker ALIVE, or ctx ends. On error call Stop.
func Start(ctx context.Context, in Install, master Node, workers []Node) (*Cluster, error) {
	c := &Cluster{inst: in, master: master}
	class := path.Join(in.SparkHome, "bin", "spark-class")
	c.daemons = append(c.daemons, daemon.Start(master.Host, "Spark master", []string{class, "org.apache.spark.deploy.master.Master",
		"--host", master.Addr, "--port", fmt.Sprint(master.Port), "--webui-port", fmt.Sprint(master.WebPort)}, in.Env(master.Addr), nil))
	for i, w := range workers {
		args := []string{"sh", "-c", `mkdir -p "$1" && shift && exec "$@"`, "sh", w.Dir, class, "org.apache.spark.deploy.worker.Worker", c.URL(),
			"--host", w.Addr, "--port", fmt.Sprint(w.Port), "--webui-port", fmt.Sprint(w.WebPort),
			"--cores", fmt.Sprint(max(w.Cores, 1)), "--memory", w.Memory, "--work-dir", w.Dir}
		c.daemons = append(c.daemons, daemon.Start(w.Host, fmt.Sprintf("Spark worker %d", i), args, in.Env(w.Addr), nil))
	}
	return c, c.waitReady(ctx, len(workers))
}

// URL is the master's spark:// URL.
func (c *Cluster) URL() string { return fmt.Sprintf("spark://%s:%d", c.master.Addr, c.master.Port) }

// Exited returns the first process that has ended, as an error.
func (c *Cluster) Exited() error {
	for _, d := range c.daemons {
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
