package qemu

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// CheckSmoke checks a finished run of experiments/smoke-arm.yaml: it must
// have completed, its manifest must show an aarch64 and an armv7l host,
// every host must have host samples and the probe's own overhead in the
// measure phase, and the rendered report must list each host's probe
// overhead. Every missing piece is reported, not just the first.
func CheckSmoke(runDir string) error {
	run, err := results.Read(runDir)
	if err != nil {
		return err
	}
	var errs []error
	if run.Manifest.Status != results.StatusCompleted {
		errs = append(errs, fmt.Errorf("run status %q, want %q (%s)", run.Manifest.Status, results.StatusCompleted, run.Manifest.Error))
	}
	arches := map[string]bool{}
	for _, h := range run.Manifest.Hosts {
		arches[h.Arch] = true
	}
	for _, want := range []string{"aarch64", "armv7l"} {
		if !arches[want] {
			errs = append(errs, fmt.Errorf("no %s host in the manifest (hosts: %v)", want, hostArches(run)))
		}
	}
	md, err := os.ReadFile(filepath.Join(runDir, results.ReportDir, "report.md"))
	if err != nil {
		errs = append(errs, fmt.Errorf("report: %w", err))
	}
	_, overhead, _ := strings.Cut(string(md), "## Probe overhead")
	overhead, _, _ = strings.Cut(overhead, "\n## ")
	for _, h := range run.Manifest.Hosts {
		n := map[string]int{}
		for _, r := range run.Samples[results.SafeName(h.Name)] {
			if r.Phase == "measure" && r.Metric == sample.CPUPct {
				n[r.Kind]++
			}
		}
		if n[string(sample.KindHost)] == 0 {
			errs = append(errs, fmt.Errorf("host %s (%s): no host CPU samples in the measure phase", h.Name, h.Arch))
		}
		if n[string(sample.KindProbe)] == 0 {
			errs = append(errs, fmt.Errorf("host %s (%s): no probe overhead samples in the measure phase", h.Name, h.Arch))
		}
		if md != nil && !strings.Contains(overhead, "| "+h.Name+" ") {
			errs = append(errs, fmt.Errorf("host %s (%s): not in the report's probe overhead table", h.Name, h.Arch))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("smoke run %s: %w", runDir, err)
	}
	return nil
}

func hostArches(run *results.Run) []string {
	var s []string
	for _, h := range run.Manifest.Hosts {
		s = append(s, h.Name+"="+h.Arch)
	}
	return s
}
