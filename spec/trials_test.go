package spec

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func mustParse(t *testing.T, src string) *Spec {
	t.Helper()
	s, err := Parse("t.yaml", []byte(src))
	require.NoError(t, err)
	return s
}

func TestTrialsOrder(t *testing.T) {
	s := mustParse(t, "name: m\nrepeat: 2\nmatrix:\n  orchestrator.kind: [swarm, kubernetes]\n  workload.file_size: [532B, 1.04KB]\nworkload: {kind: wordcount}\n")
	trials := s.Trials()
	require.Len(t, trials, 8)
	type row struct {
		id, kind string
		size     Size
		repeat   int
	}
	var got []row
	for _, tr := range trials {
		got = append(got, row{tr.ID, tr.Spec.Orchestrator.Kind, tr.Spec.Workload.FileSize, tr.Repeat})
		require.Equal(t, map[string]string{"orchestrator.kind": tr.Spec.Orchestrator.Kind, "workload.file_size": tr.Spec.Workload.FileSize.String()}, tr.Params)
	}
	require.Equal(t, []row{
		{"t1", "swarm", 532, 1}, {"t2", "swarm", 532, 2}, {"t3", "swarm", 1040, 1}, {"t4", "swarm", 1040, 2},
		{"t5", "kubernetes", 532, 1}, {"t6", "kubernetes", 532, 2}, {"t7", "kubernetes", 1040, 1}, {"t8", "kubernetes", 1040, 2},
	}, got)
	// The spec itself keeps its own values.
	require.Equal(t, KindNone, s.Orchestrator.Kind)
	require.Equal(t, Size(532), s.Workload.FileSize)
}

func TestTrialsNoMatrix(t *testing.T) {
	trials := mustParse(t, "name: r\nrepeat: 3\n").Trials()
	require.Len(t, trials, 3)
	for i, tr := range trials {
		require.Equal(t, i+1, tr.Repeat)
		require.Empty(t, tr.Params)
	}
}

// TestTrialsIndependent checks each trial gets its own deep copy.
func TestTrialsIndependent(t *testing.T) {
	s := mustParse(t, "name: d\nrepeat: 2\nreference: {a: b}\nsteps:\n  - {roles: [m], run: [true]}\nworkload: {kind: wordcount}\n")
	trials := s.Trials()
	trials[0].Spec.Steps[0].Run[0] = "false"
	trials[0].Spec.Probe.Daemons[0] = "x"
	trials[0].Spec.Reference["a"] = "c"
	trials[0].Spec.Workload.Files = 7
	trials[0].Params["k"] = "v"
	for _, other := range []*Spec{s, trials[1].Spec} {
		require.Equal(t, "true", other.Steps[0].Run[0])
		require.Equal(t, "kube-apiserver", other.Probe.Daemons[0])
		require.Equal(t, "b", other.Reference["a"])
		require.Equal(t, 120, other.Workload.Files)
	}
	require.Empty(t, trials[1].Params)
}

// TestQuickFollowsMatrix checks a derived quick length is derived again
// for each trial, while a written one stays.
func TestQuickFollowsMatrix(t *testing.T) {
	s := mustParse(t, "name: q\nmatrix:\n  phases.measure.duration: [5s, 2m]\n  phases.settle.duration: [1s, 1m]\n")
	var got []string
	for _, tr := range s.Trials() {
		p := tr.Spec.Phases
		got = append(got, Duration(p.Measure.Quick).String()+"/"+Duration(p.Settle.Quick).String())
	}
	require.Equal(t, []string{"5s/1s", "5s/2s", "10s/1s", "10s/2s"}, got)

	s = mustParse(t, "name: q\nphases: {measure: {duration: 60s, quick: 20s}}\nmatrix:\n  phases.measure.duration: [5s, 2m]\n")
	trials := s.Trials()
	require.Equal(t, 20*time.Second, trials[0].Spec.Phases.Measure.Quick)
	require.Equal(t, 5*time.Second, trials[0].Spec.Phases.Measure.Length(true))
	require.Equal(t, 20*time.Second, trials[1].Spec.Phases.Measure.Length(true))
	require.Equal(t, 2*time.Minute, trials[1].Spec.Phases.Measure.Length(false))
}

func TestPhaseLength(t *testing.T) {
	for _, tc := range []struct {
		p           Phase
		full, quick time.Duration
	}{
		{Phase{Duration: time.Minute, Quick: 10 * time.Second}, time.Minute, 10 * time.Second},
		{Phase{Duration: 5 * time.Second, Quick: 10 * time.Second}, 5 * time.Second, 5 * time.Second},
		{Phase{Duration: time.Minute}, time.Minute, time.Minute},
		{Phase{Timeout: time.Minute}, 0, 0},
	} {
		require.Equal(t, tc.full, tc.p.Length(false))
		require.Equal(t, tc.quick, tc.p.Length(true))
	}
}

// TestTrialsHandBuilt covers a Spec made in Go rather than parsed: the
// matrix values are read as YAML.
func TestTrialsHandBuilt(t *testing.T) {
	s := defaults()
	s.Name = "h"
	s.Matrix = []Axis{{Key: "probe.containers", Values: []string{"false", "true"}}, {Key: "probe.interval", Values: []string{"2s"}}}
	trials := s.Trials()
	require.Len(t, trials, 2)
	require.False(t, trials[0].Spec.Probe.Containers)
	require.True(t, trials[1].Spec.Probe.Containers)
	require.Equal(t, 2*time.Second, trials[1].Spec.Probe.Interval)
	require.Equal(t, 10*time.Second, trials[1].Spec.Phases.Measure.Quick)
}

// comparable strips what legitimately differs between a spec and the same
// spec parsed again from its Marshal output.
func comparable(s *Spec) *Spec {
	c := s.Clone()
	c.Path, c.Source, c.matrixNodes, c.origins = "", nil, nil, nil
	for i := range c.Steps {
		c.Steps[i].rolesAt = origin{}
	}
	return c
}

// TestMarshalRoundTrip parses what Marshal writes, for every valid test
// spec and shipped experiment and each of their trials.
func TestMarshalRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("../experiments/*.yaml")
	for _, f := range append(files, more...) {
		if strings.HasPrefix(filepath.Base(f), "bad-") {
			continue
		}
		s, err := Load(f)
		require.NoError(t, err, f)
		specs := []*Spec{s}
		for _, tr := range s.Trials() {
			specs = append(specs, tr.Spec)
		}
		for _, sp := range specs {
			out := sp.Marshal()
			back, err := Parse("again.yaml", out)
			require.NoError(t, err, "%s:\n%s", f, out)
			require.Equal(t, comparable(sp), comparable(back), f)
			require.Equal(t, len(sp.Trials()), len(back.Trials()))
		}
	}
}
