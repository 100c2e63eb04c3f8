package spec

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCheckRoles(t *testing.T) {
	src := `name: roles
matrix:
  orchestrator.kind: [none, swarm]
  orchestrator.master_role: [master, mastr]
orchestrator:
  worker_role: wrker
probe:
  roles: [nobody]
steps:
  - roles: [master, nobody]
    run: [true]
  - roles: [ghost]
    run: [true]
workload:
  kind: wordcount
  collectors_role: collector
`
	s, err := Parse("r.yaml", []byte(src))
	require.NoError(t, err)
	err = s.CheckRoles("local", []string{"master", "worker", "collector"})
	require.EqualError(t, err, `r.yaml:1:1: workload.driver_role: no host of testbed "local" has role "spark-driver" (the default)
r.yaml:4:38: matrix.orchestrator.master_role[1]: no host of testbed "local" has role "mastr"
r.yaml:6:3: orchestrator.worker_role: no host of testbed "local" has role "wrker"
r.yaml:8:3: probe.roles: no host of testbed "local" has any of the roles nobody
r.yaml:12:5: steps[1].roles: no host of testbed "local" has any of the roles ghost`)

	// Every role present: nothing to say. Orchestrator roles are not needed
	// when no trial sets an orchestrator up.
	require.NoError(t, s.CheckRoles("big", []string{"master", "mastr", "wrker", "nobody", "ghost", "collector", "spark-driver"}))
	s, err = Parse("r.yaml", []byte("name: n\norchestrator: {master_role: m, worker_role: w}\n"))
	require.NoError(t, err)
	require.NoError(t, s.CheckRoles("local", nil))
}
