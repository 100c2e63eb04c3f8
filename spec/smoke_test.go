package spec

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	s, err := Load("../experiments/idle-local.yaml")
	require.NoError(t, err)
	require.Equal(t, "idle-local", s.Name)
	require.Equal(t, 60*time.Second, s.Phases.Measure.Duration)
	require.Len(t, s.Trials(), 1)
	_, err = Parse("x.yaml", []byte("name: a\nphases:\n  measure:\n    duration: 6o s\n    foo: 1\nname: b\nmatrix:\n  orchestrator.kind: [none, swarm, k8s]\n  workload.rate: [1/s]\n"))
	t.Log(err)
	s, err = Parse("x.yaml", []byte("name: a\nrepeat: 2\nmatrix:\n  orchestrator.kind: [none, swarm]\n  phases.measure.duration: [5s, 30s]\n"))
	require.NoError(t, err)
	for _, tr := range s.Trials() {
		t.Log(tr.ID, tr.Params, tr.Repeat, tr.Spec.Orchestrator.Kind, tr.Spec.Phases.Measure)
	}
}
