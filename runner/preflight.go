package runner

import (
	"context"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/transport"
)

// Requirements checks, over the run's open connections (ts[i] reaches
// hosts[i]), what the experiment needs on each host, without changing
// anything. It returns the state of every requirement for the manifest,
// and an error (one line per unmet requirement) when the run must not go
// on. The CLI fills it from package provision.
type Requirements func(ctx context.Context, hosts []inventory.Host, ts []transport.Transport) ([]results.Requirement, error)

// preflight runs cfg.Requirements after connecting and before any trial's
// set-up, and records what it found in the manifest.
func (r *run) preflight(ctx context.Context) error {
	if r.cfg.Requirements == nil {
		return nil
	}
	hosts := make([]inventory.Host, len(r.hosts))
	ts := make([]transport.Transport, len(r.hosts))
	for i, h := range r.hosts {
		hosts[i], ts[i] = h.host, h.t
	}
	r.printf("checking what the experiment needs on %d host(s)", len(hosts))
	found, err := r.cfg.Requirements(ctx, hosts, ts)
	_ = r.w.UpdateManifest(func(m *results.Manifest) { m.Requirements = found })
	return err
}
