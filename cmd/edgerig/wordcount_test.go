package main

import (
	"bufio"
	"context"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/client"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/delay"
	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/results"
)

// TestRunWordCountQuickLocal runs the shipped word-count experiment with
// --quick on this machine through the real binary: a real HDFS (NameNode,
// DataNode) from the Hadoop jars and a real Spark standalone cluster and
// streaming job from PySpark, both installed into the cache when missing.
// Every submitted file must be counted by exactly one batch or listed as
// lost with a reason, every delay finite and positive with its stages
// summing to it, the report made, and no Java or Python process of the run
// left behind.
func TestRunWordCountQuickLocal(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	testenv.Command(t, "java", "mvn", "python3")
	testenv.Lock(t, "wordcount")
	bin := buildBinaries(t)
	dir, hosts, _ := writeFiles(t, "")
	resultsMD := filepath.Join(dir, "RESULTS.md")
	start := time.Now()
	cmd := exec.Command(filepath.Join(bin, "edgerig"), "run", "../../experiments/wordcount.yaml", "--quick",
		"--hosts", hosts, "--out", filepath.Join(dir, "runs"), "--results", resultsMD)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	t.Logf("edgerig run took %s", time.Since(start).Round(time.Second))
	require.NoError(t, err, "stderr:\n%s", stderr.String())
	runDir := lastLine(string(out))

	// Nothing the run started may outlive it: the HDFS daemons run from the
	// cached Hadoop jars, every Spark JVM and Python process from the
	// cached PySpark venv, the driver's stamper from the trial's directory.
	testenv.NoProcess(t, "hadoop/3.5.0/jars")
	testenv.NoProcess(t, "pyspark/4.3.0")
	testenv.NoProcess(t, "/wordcount/t1/")
	testenv.NoProcess(t, "/wordcount/t2/")

	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status, "stderr:\n%s", stderr.String())
	require.Len(t, r.Manifest.Trials, 2)

	// 60 s of submission at 1/s per trial (--quick).
	requireEveryFileOnce(t, runDir, map[string]int{"t1": 60, "t2": 60})
	for _, name := range []string{"report.md", "report.pdf", "wordcount-delay.png", "wordcount-breakdown.png", "wordcount-processes.png"} {
		require.FileExists(t, filepath.Join(runDir, "report", name))
	}
	rep, err := os.ReadFile(filepath.Join(runDir, "report", "report.md"))
	require.NoError(t, err)
	require.Contains(t, string(rep), "## Word-count delay (Table 4)")
	require.Contains(t, string(rep), "spark-executor", "CPU and memory by process")
	md, err := os.ReadFile(resultsMD)
	require.NoError(t, err)
	require.Contains(t, string(md), "Word-count delay (Table 4), reproduced")
}

// requireEveryFileOnce checks a word-count run's delays.csv: want files
// per trial, each listed once, either lost with a reason or counted by
// exactly one batch of the job's own log, with a finite positive delay
// whose stages sum to it.
func requireEveryFileOnce(t *testing.T, runDir string, want map[string]int) {
	t.Helper()
	f, err := os.Open(filepath.Join(runDir, "delays.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := delay.ReadFiles(f, "delays.csv")
	require.NoError(t, err)

	perTrial := map[string]int{}
	counted := map[string]int{}
	names := map[string]bool{}
	for _, row := range rows {
		perTrial[row.Trial]++
		require.False(t, names[row.Trial+"/"+row.Name], "file %s of %s listed twice", row.Name, row.Trial)
		names[row.Trial+"/"+row.Name] = true
		if row.Lost != "" {
			t.Logf("lost: %s %s: %s", row.Trial, row.Name, row.Lost)
			continue
		}
		counted[row.Trial]++
		require.False(t, math.IsNaN(row.DelayMS) || math.IsInf(row.DelayMS, 0), row.Name)
		require.Positive(t, row.DelayMS, row.Name)
		sum := 0.0
		for _, s := range row.Stages {
			sum += s
		}
		// Each stage is written rounded to a microsecond.
		require.InDelta(t, row.DelayMS, sum, 0.005, "%s: the stages %v sum to %.3f, not to the delay %.3f", row.Name, row.Stages, sum, row.DelayMS)
	}
	require.Equal(t, want, perTrial)
	for tr, n := range want {
		require.Positive(t, counted[tr], "trial %s counted no file", tr)
		// The job's own log: every counted file listed by exactly one batch.
		lf, err := os.Open(filepath.Join(runDir, "wordcount", tr+"-job.log"))
		require.NoError(t, err)
		p := delay.NewParser()
		require.NoError(t, p.Read(lf, nil))
		lf.Close()
		listed := map[string]int{}
		for _, b := range p.Batches() {
			for _, n := range b.Files {
				listed[n]++
			}
		}
		for _, row := range rows {
			if row.Trial == tr && row.Lost == "" {
				require.Equal(t, 1, listed[row.Name], "%s %s: listed by %d batches", tr, row.Name, listed[row.Name])
			}
		}
		t.Logf("trial %s: %d of %d files counted", tr, counted[tr], n)
	}
}

// TestRunWordCountSwarm runs the word count as the services of a Swarm
// stack on a container testbed the run makes: the image built on this
// machine (cached) and loaded onto each node, HDFS, Spark and the job
// each a service pinned to its node as in the paper's Table 2. Every file
// must be counted once, the report must show CPU and memory of the HDFS
// and Spark containers, and the testbed must be gone afterwards.
func TestRunWordCountSwarm(t *testing.T) {
	start := time.Now()
	cmd, sc, stdout, cli := startSwarmWordCount(t)
	var log strings.Builder
	id := watch(t, cli, sc, &log, "edgerig report:")
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	require.NoError(t, cmd.Wait(), "log:\n%s", log.String())
	t.Logf("edgerig run took %s", time.Since(start).Round(time.Second))
	requireGone(t, cli, id)
	runDir := lastLine(stdout.String())
	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.Equal(t, results.StatusCompleted, r.Manifest.Status, "log:\n%s", log.String())
	require.Contains(t, log.String(), "as services of stack edgerig-wc-t1")

	// 30 s at 1/s from each of the two collectors.
	requireEveryFileOnce(t, runDir, map[string]int{"t1": 60})
	rep, err := os.ReadFile(filepath.Join(runDir, "report", "report.md"))
	require.NoError(t, err)
	for _, want := range []string{"## Word-count delay (Table 4)", "swarm services of stack edgerig-wc-t1",
		"edgerig-wc-t1_namenode-node1", "edgerig-wc-t1_datanode-node2", "edgerig-wc-t1_spark-worker-node3", "edgerig-wc-t1_driver-node1"} {
		require.Contains(t, string(rep), want, "report.md")
	}
}

// TestRunWordCountSwarmJobDies kills the job's driver (a JVM in the
// driver's service container on node1) while the Swarm word count
// measures: the run must end with an error naming the job, tear the stack
// and the testbed down, and keep the files measured so far and every
// sample.
func TestRunWordCountSwarmJobDies(t *testing.T) {
	cmd, sc, stdout, cli := startSwarmWordCount(t)
	var log strings.Builder
	id := watch(t, cli, sc, &log, ": measure for")
	time.Sleep(8 * time.Second)
	n := testenv.Kill(t, "spark-driver", "/wordcount/t1/spark-java/")
	require.Equal(t, 1, n, "the job's driver JVM is killed")
	for sc.Scan() {
		log.WriteString(sc.Text() + "\n")
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "log:\n%s", log.String())
	require.Equal(t, 1, ee.ExitCode(), "log:\n%s", log.String())
	require.Contains(t, log.String(), "the Spark streaming job ended")
	requireGone(t, cli, id)
	runDir := lastLine(stdout.String())
	r, err := results.Read(runDir)
	require.NoError(t, err)
	require.Equal(t, results.StatusFailed, r.Manifest.Status)
	f, err := os.Open(filepath.Join(runDir, "delays.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := delay.ReadFiles(f, "delays.csv")
	require.NoError(t, err)
	require.NotEmpty(t, rows, "the files submitted before the job died are kept")
	measured := 0
	for _, row := range r.Samples["node1"] {
		if row.Phase == "measure" {
			measured++
		}
	}
	require.Positive(t, measured, "node1's samples of the measure phase are kept")
}

// startSwarmWordCount starts `edgerig run --quick` of the short Swarm word
// count on a made testbed, alone among the word-count tests, within 40
// minutes.
func startSwarmWordCount(t *testing.T) (*exec.Cmd, *bufio.Scanner, *strings.Builder, *client.Client) {
	t.Helper()
	if testing.Short() {
		t.Skip("integration test")
	}
	testenv.Command(t, "java", "mvn", "python3")
	testenv.Lock(t, "wordcount")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
	t.Cleanup(cancel)
	return madeTestbedRun(t, ctx, "testdata/wordcount-swarm-short.yaml")
}
