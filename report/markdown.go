package report

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// markdown renders report.md. It depends only on the Summary and the
// figures' names, never on the time it is run, so that re-rendering a run
// gives the same file (the golden test relies on it).
func markdown(s *Summary, figs []*figure) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s — edgerig report\n\n", s.Experiment)
	b.WriteString(statusText(s) + "\n\n")
	t := newTable("", "")
	exp := s.Experiment
	if s.Description != "" {
		exp += " — " + s.Description
	}
	t.add("Experiment", cell(exp))
	t.add("Run directory", cell(filepath.Base(s.RunDir)))
	t.add("Testbed", cell(s.Testbed))
	t.add("Start", stamp(s.Start))
	if s.End.IsZero() {
		t.add("End", "not recorded")
	} else {
		t.add("End", fmt.Sprintf("%s (%s)", stamp(s.End), s.End.Sub(s.Start).Round(time.Second)))
	}
	t.add("Tool", cell(fmt.Sprintf("edgerig %s (%s, %s/%s)", s.Tool.Version, s.Tool.GoVersion, s.Tool.OS, s.Tool.Arch)))
	b.WriteString(t.String())

	b.WriteString("\n## Hosts\n\n")
	b.WriteString(hostsTable(s.Hosts).String())

	if len(figs) > 0 {
		b.WriteString("\n## Figures\n\n")
		for i, f := range figs {
			if i > 0 {
				b.WriteString("\n")
			}
			fmt.Fprintf(&b, "![%s](%s.png)  \n[%s.svg](%s.svg)\n", f.Title, f.Name, f.Name, f.Name)
		}
	}
	b.WriteString(trialsSection(s))
	b.WriteString(referenceSection(s))
	b.WriteString(containersSection(s))
	b.WriteString(probeSection(s))
	b.WriteString(eventsSection(s))
	if len(s.Warnings) > 0 {
		b.WriteString("\n## Warnings from reading the run directory\n\n")
		for _, w := range s.Warnings {
			fmt.Fprintf(&b, "- %s\n", w)
		}
	}
	return b.String()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// statusText says how the run ended; an aborted run says what it kept.
func statusText(s *Summary) string {
	switch s.Status {
	case results.StatusCompleted:
		return "**Status: completed.**"
	case results.StatusFailed:
		return fmt.Sprintf("**Status: failed** — %s", s.Error)
	case results.StatusAborted:
		var kept []string
		for _, t := range s.Trials {
			switch {
			case len(t.Stats) == 0:
				kept = append(kept, fmt.Sprintf("`%s` no samples", t.ID))
			case t.Complete:
				kept = append(kept, fmt.Sprintf("`%s` complete (%.0f s measured)", t.ID, t.Seconds))
			default:
				kept = append(kept, fmt.Sprintf("`%s` cut short (%.0f s measured)", t.ID, t.Seconds))
			}
		}
		return fmt.Sprintf("**Status: ABORTED** — the runner stopped before the run ended (no run-end "+
			"event: it was killed or crashed). What it wrote is kept and reported here: %d sample rows; "+
			"trials: %s. Anything unreadable it left behind is listed under the warnings below.",
			s.Rows, strings.Join(kept, ", "))
	}
	return fmt.Sprintf("**Status: %s.**", s.Status)
}

func hostsTable(hosts []results.HostFacts) *table {
	t := newTable("host", "roles", "hardware", "arch", "model", "kernel", "cgroup", "Docker", ">CPUs", ">memory GiB", "clock offset")
	for _, h := range hosts {
		cg := ""
		if h.CgroupVersion > 0 {
			cg = fmt.Sprintf("v%d", h.CgroupVersion)
		}
		cpus, mem := "", ""
		if h.CPUs > 0 {
			cpus = fmt.Sprint(h.CPUs)
		}
		if h.MemBytes > 0 {
			mem = num(float64(h.MemBytes)/(1<<30), 1)
		}
		t.add(cell(h.Name), cell(strings.Join(h.Roles, ",")), cell(h.Labels["hardware"]), cell(h.Arch),
			cell(h.Model), cell(h.Kernel), cg, cell(h.DockerVersion), cpus, mem,
			fmt.Sprintf("%+.3f ms ± %.3f ms", ms(h.ClockOffset), ms(h.ClockError)))
	}
	return t
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// hostMetrics are the rows of each trial's main table: the paper's two
// figures, CPU and memory of the whole host.
var hostMetrics = []struct {
	metric, name string
	scale        float64
	prec         int
}{
	{sample.CPUPct, "CPU %", 1, 2},
	{sample.MemUsedBytes, "memory used MiB", 1.0 / mib, 1},
}

func trialsSection(s *Summary) string {
	var b strings.Builder
	b.WriteString("\n## Trials (measure phase)\n")
	for _, tr := range s.Trials {
		state := "complete"
		if !tr.Complete {
			state = "cut short: no trial-end event"
		}
		fmt.Fprintf(&b, "\n### Trial `%s` — %s\n\n", tr.ID, cell(tr.Title))
		fmt.Fprintf(&b, "Measure phase from %s, %.0f s, %s.\n\n", stamp(tr.Start), tr.Seconds, state)
		t := newTable("host", "metric", ">mean", ">p50", ">p95", ">max", ">n")
		for _, h := range tr.Hosts() {
			for _, m := range hostMetrics {
				st, ok := tr.Stat(h, string(sample.KindHost), "", m.metric)
				if !ok {
					continue
				}
				t.add(cell(h), m.name, num(st.Mean*m.scale, m.prec), num(st.P50*m.scale, m.prec),
					num(st.P95*m.scale, m.prec), num(st.Max*m.scale, m.prec), fmt.Sprint(st.N))
			}
		}
		if len(t.rows) == 0 {
			b.WriteString("No host samples in the measure phase.\n")
			continue
		}
		b.WriteString(t.String())
	}
	return b.String()
}

// referenceSection prints the spec's reference values (the paper's
// figures) right after the trials' tables, to be read against them.
func referenceSection(s *Summary) string {
	if len(s.Reference) == 0 {
		return ""
	}
	keys := make([]string, 0, len(s.Reference))
	for k := range s.Reference {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	t := newTable("reference", "the paper's figure")
	for _, k := range keys {
		t.add(cell(k), cell(s.Reference[k]))
	}
	return "\n### The paper's figures, to compare with\n\n" + t.String()
}

func containersSection(s *Summary) string {
	t := newTable("trial", "host", "kind", "name", ">CPU mean %", ">CPU max %", ">memory max MiB", ">n")
	for _, tr := range s.Trials {
		for _, st := range tr.Stats {
			if st.Metric != sample.CPUPct || (st.Kind != string(sample.KindContainer) && st.Kind != string(sample.KindDaemon)) {
				continue
			}
			memMetric := sample.RSSBytes
			if st.Kind == string(sample.KindContainer) {
				memMetric = sample.MemWorkingSet
			}
			mem := "–"
			if m, ok := tr.Stat(st.Host, st.Kind, st.Label, memMetric); ok {
				mem = num(m.Max/mib, 1)
			}
			t.add(cell(tr.ID), cell(st.Host), st.Kind, cell(st.Name), num(st.Mean, 2), num(st.Max, 2), mem, fmt.Sprint(st.N))
		}
	}
	if len(t.rows) == 0 {
		return ""
	}
	return "\n## Containers and daemons\n\nCPU in % of one core; memory is a container's working set " +
		"(usage minus inactive file) or a daemon's RSS.\n\n" + t.String()
}

func probeSection(s *Summary) string {
	t := newTable("trial", "host", ">CPU mean %", ">CPU max %", ">RSS max MiB", ">sample p50 µs", ">sample p95 µs", ">n")
	for _, tr := range s.Trials {
		for _, h := range tr.Hosts() {
			cpu, ok := tr.Stat(h, string(sample.KindProbe), "", sample.CPUPct)
			if !ok {
				continue
			}
			rss, _ := tr.Stat(h, string(sample.KindProbe), "", sample.RSSBytes)
			us, _ := tr.Stat(h, string(sample.KindProbe), "", sample.SampleCostMicro)
			t.add(cell(tr.ID), cell(h), num(cpu.Mean, 3), num(cpu.Max, 3), num(rss.Max/mib, 1),
				num(us.P50, 0), num(us.P95, 0), fmt.Sprint(cpu.N))
		}
	}
	if len(t.rows) == 0 {
		return "\n## Probe overhead\n\nNo probe series in the measure phase.\n"
	}
	return "\n## Probe overhead\n\nThe probe's own cost, so that it can be seen not to distort what it " +
		"measures. CPU in % of one core.\n\n" + t.String()
}

func eventsSection(s *Summary) string {
	var b strings.Builder
	b.WriteString("\n## Events\n\n")
	types := make([]string, 0, len(s.Events.Counts))
	for k := range s.Events.Counts {
		types = append(types, k)
	}
	slices.Sort(types)
	t := newTable("event", ">count")
	for _, k := range types {
		t.add(cell(k), fmt.Sprint(s.Events.Counts[k]))
	}
	b.WriteString(t.String())
	if len(s.Events.Notable) == 0 {
		b.WriteString("\nNo errors, node losses, interrupts or sample gaps.\n")
		return b.String()
	}
	b.WriteString("\nErrors, node losses, interrupts and sample gaps:\n\n")
	n := newTable("time", "event", "trial", "phase", "host", "message")
	for _, e := range s.Events.Notable {
		n.add(stamp(e.Time), e.Type, cell(e.Trial), cell(e.Phase), cell(e.Host), cell(e.Message))
	}
	b.WriteString(n.String())
	return b.String()
}
