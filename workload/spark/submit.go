package spark

import (
	"fmt"
	"io"
	"path"

	"github.com/edgerig/edgerig/workload/daemon"
)

// Job is the streaming word count as submitted.
type Job struct {
	Host           daemon.Runner
	Addr           string // the driver's address
	Stamp, Script  string // stamp.py and wordcount.py on the host
	Dir            string // the watched directory, hdfs://…
	PollInterval   float64
	ExecutorMemory string // e.g. 500m
	ExecutorCores  int
}

// Submit starts the job through the line stamper; every line it writes,
// stdout and the driver's log, reaches out stamped (see stamp.py). The
// job runs until stopped.
func (c *Cluster) Submit(j Job, out io.Writer) (*daemon.Daemon, error) {
	args := []string{c.inst.Python, j.Stamp, path.Join(c.inst.SparkHome, "bin", "spark-submit"),
		"--master", c.URL(),
		"--executor-memory", j.ExecutorMemory,
		"--total-executor-cores", fmt.Sprint(max(j.ExecutorCores, 1)),
		"--conf", "spark.driver.host=" + j.Addr,
		"--conf", "spark.driver.bindAddress=" + j.Addr,
		"--conf", "spark.ui.enabled=false",
		j.Script, j.Dir, fmt.Sprint(j.PollInterval)}
	if err := c.inst.prepare(j.Host); err != nil {
		return nil, err
	}
	d := c.start(j.Host, "the Spark streaming job", args, c.inst.Env(j.Addr), out)
	if c.jobs == nil {
		c.jobs = map[*daemon.Daemon]bool{}
	}
	c.jobs[d] = true
	return d, nil
}
