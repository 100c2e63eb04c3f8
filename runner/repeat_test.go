package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/spec"
)

const adaptiveSpec = `name: adaptive
repeat: {min: 3, max: 5, until_rsd: RSD%, metric: step.work.seconds}
matrix:
  probe.containers: [false]
phases: {settle: {duration: 50ms}, measure: {duration: 1s}, teardown: {timeout: 5s}}
probe: {interval: 100ms, containers: false}
steps:
  - {name: work, phase: measure, roles: [master], run: [work]}
`

// repeatEvents are the run's adaptive-repeat decisions.
func repeatEvents(r *results.Run) []results.Event { return eventTypes(r, results.EventRepeats) }

// The adaptive repeat's rule in the runner, with the metric of each
// repeat given exactly: steady values stop at the minimum; spread-out
// values go on to the maximum; values that settle stop in between. Every
// decision is an event and a progress line, the manifest lists exactly the
// trials run, in order, and their repeats count up.
func TestAdaptiveRepeat(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rsd     string
		values  []float64
		repeats int
		why     string
	}{
		{"steady", "3", []float64{10, 10.1, 9.9, 10, 10}, 3, "stopped after 3 repeats"},
		{"spread", "5", []float64{10, 20, 10, 20, 10}, 5, "stopped at the maximum of 5 repeats"},
		// after 3: RSD 40 % > 36 %; after 4: 32.7 %
		{"settles", "36", []float64{10, 14, 6, 10, 10}, 4, "stopped after 4 repeats"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newFakeBed(t, strings.Replace(adaptiveSpec, "RSD", tc.rsd, 1), "n1", "n2")
			b.cfg.testMetric = func(tr spec.Trial) (float64, bool) { return tc.values[tr.Repeat-1], true }
			var progress testenv.Buffer
			b.cfg.Progress = &progress
			r, err := b.run(t, context.Background())
			require.NoError(t, err)
			require.Equal(t, results.StatusCompleted, r.Manifest.Status)
			require.Len(t, r.Manifest.Trials, tc.repeats)
			for i, tr := range r.Manifest.Trials {
				require.Equal(t, i+1, tr.Repeat)
				require.Equal(t, "t"+string(rune('1'+i)), tr.ID)
				require.False(t, tr.Phases[2].End.IsZero(), "trial %s ran its measure phase", tr.ID)
			}
			evs := repeatEvents(r)
			require.Len(t, evs, tc.repeats-2, "one decision from the minimum on")
			last := evs[len(evs)-1]
			require.Equal(t, true, last.Data["stopped"])
			require.Contains(t, last.Message, "probe.containers=false: "+tc.why)
			require.Len(t, last.Data["values"], tc.repeats)
			for _, e := range evs[:len(evs)-1] {
				require.Equal(t, false, e.Data["stopped"])
				require.Contains(t, e.Message, "one more")
			}
			require.Contains(t, progress.String(), "repeats of probe.containers=false: "+tc.why)
			b.requireAllSamples(t, r)
		})
	}
}

// The watched step's wall time is the metric: a step that takes at least
// 200 ms gives values of at least 0.2 s, and a loose threshold stops at
// the minimum however busy the machine.
func TestAdaptiveRepeatStepTime(t *testing.T) {
	b := newFakeBed(t, strings.Replace(adaptiveSpec, "RSD", "90", 1), "n1")
	b.hosts["n1"].takeTimes("work", 200*time.Millisecond, 200*time.Millisecond, 200*time.Millisecond)
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	require.Len(t, r.Manifest.Trials, 3)
	evs := repeatEvents(r)
	require.Len(t, evs, 1)
	vals := evs[0].Data["values"].([]any)
	require.Len(t, vals, 3)
	for _, v := range vals {
		require.GreaterOrEqual(t, v.(float64), 0.2)
	}
}

// A metric with no value (the watched step failed, ignore_error) stops
// the combination at once and says why.
func TestAdaptiveRepeatWithoutValue(t *testing.T) {
	spec := strings.Replace(adaptiveSpec, "RSD", "5", 1)
	spec = strings.Replace(spec, "run: [work]}", "run: [work], ignore_error: true}", 1)
	b := newFakeBed(t, spec, "n1")
	b.hosts["n1"].failOn("work")
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	require.Len(t, r.Manifest.Trials, 3)
	evs := repeatEvents(r)
	require.Len(t, evs, 1)
	require.Contains(t, evs[0].Message, "stopped after 3 repeats: trial t3 has no value of step.work.seconds")
}

// The report of an adaptive run says, per combination, how many repeats it
// took and why it stopped.
func TestAdaptiveRepeatReported(t *testing.T) {
	b := newFakeBed(t, strings.Replace(adaptiveSpec, "RSD", "20", 1), "n1")
	b.cfg.testMetric = func(spec.Trial) (float64, bool) { return 1, true }
	r, err := b.run(t, context.Background())
	require.NoError(t, err)
	a, err := report.Load(r.Dir)
	require.NoError(t, err)
	var text []string
	for _, bl := range report.RepeatsSection(a) {
		text = append(text, bl.Text)
	}
	require.Contains(t, strings.Join(text, "\n"), "Adaptive repeats (each combination repeated until the relative standard deviation of its per-repeat values fell to the threshold, or to the maximum): probe.containers=false: stopped after 3 repeats: RSD of step.work.seconds")
}
