package spec

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// CheckRoles checks that the hosts of a testbed, whose roles are given,
// can play every role some trial of the spec needs: the orchestrator's
// master and worker roles (unless its kind is none), the workload's
// collectors and driver, and for each step and the probe at least one of
// the roles listed. Problems come as an *Errors pointing at where the role
// was written (a matrix value, or 1:1 for a default), so that a typo like
// "mastr" is caught before anything runs.
func (s *Spec) CheckRoles(testbed string, roles []string) error {
	c := &yamlpos.Checker{File: s.Path}
	have := func(r string) bool { return slices.Contains(roles, r) }
	for _, tr := range s.Trials() {
		ts := tr.Spec
		need := func(key, r string) {
			if have(r) {
				return
			}
			o, written := ts.origins[key]
			if !written {
				c.Errorf(nil, key, "no host of testbed %q has role %q (the default)", testbed, r)
				return
			}
			c.Errorf(o.node(), o.path, "no host of testbed %q has role %q", testbed, r)
		}
		if ts.Orchestrator.Kind != KindNone {
			need("orchestrator.master_role", ts.Orchestrator.MasterRole)
			need("orchestrator.worker_role", ts.Orchestrator.WorkerRole)
		}
		if w := ts.Workload; w != nil {
			need("workload.collectors_role", w.CollectorsRole)
			need("workload.driver_role", w.DriverRole)
		}
		for i, st := range ts.Steps {
			if !slices.ContainsFunc(st.Roles, have) {
				o := st.rolesAt
				if o.path == "" {
					o.path = fmt.Sprintf("steps[%d].roles", i)
				}
				c.Errorf(o.node(), o.path, "no host of testbed %q has any of the roles %s", testbed, strings.Join(st.Roles, ", "))
			}
		}
		if len(ts.Probe.Roles) > 0 && !slices.ContainsFunc(ts.Probe.Roles, have) {
			o := ts.origins["probe.roles"]
			c.Errorf(o.node(), "probe.roles", "no host of testbed %q has any of the roles %s", testbed, strings.Join(ts.Probe.Roles, ", "))
		}
	}
	return c.Err()
}
