package binaries_test

import (
	"context"
	"testing"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/orchestrator/kubernetes/binaries"
	"github.com/edgerig/edgerig/orchestrator/orchestratortest"
)

// TestConformance runs the orchestrator driver suite on a real 3-node
// container testbed, as the Swarm driver does: lifecycle, teardown after a
// cancelled or interrupted set-up, a second set-up after an interrupted one.
func TestConformance(t *testing.T) {
	build(t)
	c := cluster(t, "k8sconf", 3)
	cfg := config(t)
	start := time.Now()
	orchestratortest.Run(t, func() orchestrator.Driver { return binaries.New(cfg) }, c,
		orchestratortest.WithClean(func(ctx context.Context, c orchestrator.Cluster) error {
			return binaries.Clean(ctx, cfg, c.Nodes())
		}),
		orchestratortest.WithTimeout(5*time.Minute))
	t.Logf("conformance suite on 3 nodes took %.1fs", time.Since(start).Seconds())
}
