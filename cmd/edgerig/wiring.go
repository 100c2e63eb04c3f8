package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/local"
)

// connector opens a host's transport: the local one for `local: true`
// hosts, SSH (strict host keys) for every other.
func connector(inv *inventory.Inventory, acceptNew bool) func(context.Context, inventory.Host) (transport.Transport, error) {
	return func(ctx context.Context, h inventory.Host) (transport.Transport, error) {
		if h.Local {
			return local.New(h.Name), nil
		}
		return nil, fmt.Errorf("host %s: no SSH transport in this build yet", h.Name)
	}
}

// renderReport renders the run's report into RUNDIR/report and updates
// resultsMD (unless it is "").
func renderReport(dir, resultsMD string, stdout, stderr io.Writer) error {
	run, err := results.Read(dir)
	if err != nil {
		return err
	}
	for _, w := range run.Warnings {
		fmt.Fprintf(stderr, "edgerig: %s: %s\n", dir, w)
	}
	out := filepath.Join(dir, results.ReportDir)
	sum, err := report.Render(run, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "edgerig: report: %s\n", filepath.Join(out, "report.md"))
	if resultsMD != "" {
		if err := report.UpdateResults(resultsMD, run, sum); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "edgerig: updated %s\n", resultsMD)
	}
	return nil
}

// gatherFacts learns the host's architecture (which picks the probe
// build). The full host facts come from package facts.
func gatherFacts(ctx context.Context, t transport.Transport) (results.HostFacts, error) {
	out, err := transport.Output(ctx, t, "uname", "-m")
	return results.HostFacts{Arch: strings.TrimSpace(out)}, err
}

// clockOffset is zero until package facts measures it over the channel.
func clockOffset(context.Context, transport.Transport, string) (time.Duration, time.Duration, error) {
	return 0, 0, nil
}
