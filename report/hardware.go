package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/edgerig/edgerig/sample"
)

// A slow board and a hot one give the same low score: the probe's clock,
// temperature and throttle series, where a host has them, tell them apart.
// Here they are summarised per host beside its CPU and memory, and a trial
// during which a board throttled or reached its temperature limit is
// flagged in every table that shows its numbers.

// hwRows are a host's clock and temperature rows of a trial's table: the
// mean current clock over its cores, and the hottest zone. Nil where the
// host has neither (an x86 VM).
func hwRows(tr *Trial, host string) [][]string {
	var rows [][]string
	var freq []*Series
	for _, s := range tr.Series {
		if s.Key.Host == host && s.Key.Kind == string(sample.KindCPU) && s.Key.Metric == sample.FreqMHz {
			freq = append(freq, s)
		}
	}
	if len(freq) > 0 {
		var mean, p50, p95, lo float64
		lo = math.Inf(1)
		n := 0
		for _, s := range freq {
			mean += s.Stat.Mean / float64(len(freq))
			p50 += s.Stat.P50 / float64(len(freq))
			p95 += s.Stat.P95 / float64(len(freq))
			lo = math.Min(lo, s.Stat.Min)
			n = max(n, s.Stat.N)
		}
		rows = append(rows, []string{host, fmt.Sprintf("clock MHz (mean of %d cores; min %s)", len(freq), Num(lo, 0)),
			Num(mean, 0), Num(p50, 0), Num(p95, 0), "", fmt.Sprint(n)})
	}
	if z := hottestZone(tr, host); z != nil {
		rows = append(rows, []string{host, "temperature °C (" + z.Key.Label + ")",
			Num(z.Stat.Mean, 1), Num(z.Stat.P50, 1), Num(z.Stat.P95, 1), Num(z.Stat.Max, 1), fmt.Sprint(z.Stat.N)})
	}
	return rows
}

// hottestZone is the host's thermal zone with the highest maximum.
func hottestZone(tr *Trial, host string) *Series {
	var best *Series
	for _, s := range tr.Series {
		if s.Key.Host == host && s.Key.Kind == string(sample.KindThermal) && s.Key.Metric == sample.TempC {
			if best == nil || s.Stat.Max > best.Stat.Max {
				best = s
			}
		}
	}
	return best
}

// throttleNames are the firmware flags, as a report spells them.
var throttleNames = []struct{ metric, name string }{
	{sample.Throttled, "throttled"},
	{sample.FreqCapped, "frequency capped"},
	{sample.SoftTempLimit, "soft temperature limit"},
	{sample.UnderVoltage, "under-voltage"},
}

// hwFlags says why a host's numbers in a trial are not those of a board
// running at full speed: a firmware throttle flag raised during the
// measure phase, or a zone at or above its trip point. Nil when none.
func hwFlags(tr *Trial, host string) []string {
	var out []string
	for _, f := range throttleNames {
		if s := tr.Find(host, sample.KindThrottle, "", f.metric); s != nil && s.Stat.Max > 0 {
			out = append(out, fmt.Sprintf("%s (%.0f %% of samples)", f.name, 100*s.Stat.Mean))
		}
	}
	for _, s := range tr.Series {
		if s.Key.Host != host || s.Key.Kind != string(sample.KindThermal) || s.Key.Metric != sample.TempC {
			continue
		}
		lim := tr.Find(host, sample.KindThermal, s.Key.Label, sample.TempLimitC)
		if lim != nil && lim.Stat.Min > 0 && s.Stat.Max >= lim.Stat.Min {
			out = append(out, fmt.Sprintf("%s reached its temperature limit (max %s °C, limit %s °C)",
				s.Key.Label, Num(s.Stat.Max, 1), Num(lim.Stat.Min, 1)))
		}
	}
	return out
}

// trialFlags lists every flagged host of a trial, "" when none.
func trialFlags(tr *Trial) string {
	var parts []string
	for _, h := range tr.Hosts() {
		if f := hwFlags(tr, h); len(f) > 0 {
			parts = append(parts, h+": "+strings.Join(f, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// flagMark is what a flagged host's or trial's cell in a table carries.
const flagMark = " [THROTTLED/HOT]"

// oomText says which hosts' memory limit was hit during the trial's
// measure phase: the node's OOM kill count (a container-testbed node's
// memory cgroup, e.g. a board envelope's memory) rose. "" when none.
func oomText(tr *Trial) string {
	var parts []string
	for _, h := range tr.Hosts() {
		s := tr.Find(h, sample.KindHost, "", sample.OOMKills)
		if s == nil || s.Stat.N == 0 {
			continue
		}
		if k := s.Stat.Max - s.Stat.Min; k > 0 {
			parts = append(parts, fmt.Sprintf("%s's memory limit was reached: the kernel killed %.0f process(es) there", h, k))
		}
	}
	return strings.Join(parts, "; ")
}
