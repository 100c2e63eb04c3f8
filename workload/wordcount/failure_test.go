package wordcount

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/delay"
	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport/local"
)

// newLocal is a word count on this machine's real HDFS and Spark, torn
// down (and checked to leave no process) when the test ends. Its warm-up
// is cut short: these tests are about failures, not delays.
func newLocal(t *testing.T, trial string) (w *Workload, out string, events func() []results.Event) {
	remote, out := t.TempDir(), t.TempDir()
	var (
		mu  sync.Mutex
		evs []results.Event
	)
	w0 := spec.Workload{Kind: spec.WorkloadWordCount, FileSize: 532, Rate: 1, Files: 1000,
		CollectorsRole: "collector", DriverRole: "spark-driver", PollInterval: time.Second, ExecutorMemory: 500 * 1000 * 1000}
	w, err := New(Config{Workload: w0, Trial: trial, RemoteDir: remote, OutDir: out, MasterRole: "master", WorkerRole: "worker",
		Hosts: []Host{{Name: "local", T: local.New("local"), Addr: "127.0.0.1", Local: true,
			Roles: []string{"master", "worker", "collector", "spark-driver"}}},
		Event:    func(e results.Event) { mu.Lock(); evs = append(evs, e); mu.Unlock() },
		Progress: testWriter{t}, Warmup: 20 * time.Second, Drain: 10 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() {
		require.NoError(t, w.Teardown(context.Background()))
		testenv.NoProcess(t, remote)
	})
	return w, out, func() []results.Event {
		mu.Lock()
		defer mu.Unlock()
		return append([]results.Event(nil), evs...)
	}
}

// TestFailuresMidRun runs the word count on the real HDFS and Spark of
// this machine and breaks them while it measures. The job's driver
// killed: measure ends with an error naming the job and the files
// measured so far are kept in delays.csv (teardown then stops the rest).
// The NameNode killed: every later file fails with the error the
// submitter saw, the job's end that follows is recorded as its
// consequence, and measure returns normally so that the run goes on.
func TestFailuresMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	testenv.Command(t, "java", "mvn", "python3")
	testenv.Lock(t, "wordcount")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()

	t.Run("job dies", func(t *testing.T) {
		w, out, _ := newLocal(t, "fjob")
		require.NoError(t, w.Setup(ctx))
		go func() {
			time.Sleep(6 * time.Second)
			t.Logf("killed %d driver(s)", testenv.Kill(t, "spark-driver", w.dir))
		}()
		err := w.Measure(ctx, 30*time.Second)
		require.ErrorContains(t, err, "the Spark streaming job ended")
		rows := readDelays(t, out)
		require.GreaterOrEqual(t, len(rows), 5, "the files submitted before it died are kept")
		require.Less(t, len(rows), 30, "the schedule stopped with the job")
	})

	t.Run("NameNode dies", func(t *testing.T) {
		w, out, events := newLocal(t, "fnn")
		require.NoError(t, w.Setup(ctx))
		go func() {
			time.Sleep(8 * time.Second)
			t.Logf("killed %d NameNode(s)", testenv.Kill(t, "hdfs-namenode", w.dir))
		}()
		require.NoError(t, w.Measure(ctx, 20*time.Second), "a failing HDFS does not end the run")
		rows := readDelays(t, out)
		require.Len(t, rows, 20, "the schedule went on to its end")
		var failed []delay.Row
		for _, r := range rows {
			if strings.HasPrefix(r.Lost, "not submitted: ") {
				failed = append(failed, r)
			} else if r.Lost == "" {
				require.Positive(t, r.DelayMS)
			}
		}
		require.NotEmpty(t, failed, "files after the NameNode died fail")
		require.Less(t, len(failed), len(rows), "files before it did not")
		for _, r := range failed {
			require.Regexp(t, `create: .*(refused|EOF|reset|timeout|deadline)`, r.Lost, "the failure keeps the submitter's message")
		}
		var noted []string
		for _, e := range events() {
			if e.Type == results.EventError {
				noted = append(noted, e.Message)
			}
		}
		require.NotEmpty(t, noted)
		require.Contains(t, strings.Join(noted, "\n"), "NameNode exited", "the NameNode's end is an error event")
	})
}

func readDelays(t *testing.T, dir string) []delay.Row {
	f, err := os.Open(filepath.Join(dir, "delays.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := delay.ReadFiles(f, "delays.csv")
	require.NoError(t, err)
	return rows
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
