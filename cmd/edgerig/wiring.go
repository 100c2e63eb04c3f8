package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/local"
	"github.com/edgerig/edgerig/transport/ssh"
)

// connector opens a host's transport: the local one for `local: true`
// hosts, SSH (strict host keys) for every other.
func connector(inv *inventory.Inventory, acceptNew bool) func(context.Context, inventory.Host) (transport.Transport, error) {
	return func(ctx context.Context, h inventory.Host) (transport.Transport, error) {
		if h.Local {
			return local.New(h.Name), nil
		}
		cfg, err := ssh.ConfigFor(inv, h, acceptNew)
		if err != nil {
			return nil, err
		}
		t, err := ssh.Dial(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return t, nil
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

// clockOffset measures a host's clock offset over its transport with the
// placed probe's clock mode: best of 20 exchanges.
func clockOffset(ctx context.Context, t transport.Transport, probe string) (time.Duration, time.Duration, error) {
	return facts.ClockOffsetProbe(ctx, t, 20, probe)
}
