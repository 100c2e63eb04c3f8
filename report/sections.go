package report

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// DefaultSections are the report's parts in order, before any that
// Options.Sections adds and before the events and warnings, which
// always come last.
func DefaultSections() []Section {
	return []Section{OverviewSection, HostsSection, TrialsSection, RepeatsSection, ReferenceSection,
		ContainersSection, ProbeSection, OrchestratorsSection}
}

// closingSections end every report.
var closingSections = []Section{EventsSection, WarningsSection}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "not recorded"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// OverviewSection is the title block: experiment, status, testbed, tool
// version and dates, and for an unfinished run where it stopped.
func OverviewSection(a *Aggregate) []Block {
	t := NewTable("", "")
	exp := a.Experiment
	if a.Description != "" {
		exp += " — " + a.Description
	}
	t.Add("Experiment", exp)
	t.Add("Status", statusWord(a))
	t.Add("Run directory", filepath.Base(a.RunDir))
	t.Add("Testbed", a.Testbed)
	t.Add("Tool", fmt.Sprintf("edgerig %s (%s, %s/%s)", a.Tool.Version, a.Tool.GoVersion, a.Tool.OS, a.Tool.Arch))
	t.Add("Start", stamp(a.Start))
	if a.End.IsZero() {
		t.Add("End", "not recorded")
	} else {
		t.Add("End", fmt.Sprintf("%s (%s)", stamp(a.End), a.End.Sub(a.Start).Round(time.Second)))
	}
	return []Block{{Text: statusText(a)}, {Table: t}}
}

func statusWord(a *Aggregate) string {
	if a.Aborted() {
		return "ABORTED"
	}
	return a.Status
}

// statusText says how the run ended; an unfinished one says where it
// stopped and what it kept.
func statusText(a *Aggregate) string {
	if a.Completed() {
		return "**Status: completed.**"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**Status: %s.**", strings.ToUpper(a.Status))
	if s := a.Stop; s != nil {
		where := "before its first trial"
		if s.Trial != "" {
			where = "in trial `" + s.Trial + "`"
			if s.Phase != "" {
				where += ", phase " + s.Phase
			}
		}
		fmt.Fprintf(&b, " It stopped %s at %s: %s.", where, stamp(s.At), s.Why)
	}
	var kept []string
	for _, t := range a.Trials {
		switch {
		case len(t.Series) == 0:
			kept = append(kept, fmt.Sprintf("`%s` no samples", t.ID))
		case t.Complete:
			kept = append(kept, fmt.Sprintf("`%s` complete (%.0f s measured)", t.ID, t.Seconds))
		default:
			kept = append(kept, fmt.Sprintf("`%s` INCOMPLETE (%.0f s measured)", t.ID, t.Seconds))
		}
	}
	fmt.Fprintf(&b, " What it wrote is kept and reported here: %d sample rows; trials: %s.", a.Rows, strings.Join(kept, ", "))
	return b.String()
}

// HostsSection lists the hosts' facts as the runner learned them.
func HostsSection(a *Aggregate) []Block {
	t := NewTable("host", "roles", "hardware", "arch", "model", "kernel", "cgroup", "host series", "Docker", ">CPUs", ">memory GiB", ">clock offset ms")
	for _, h := range a.Hosts {
		cg := ""
		if h.CgroupVersion > 0 {
			cg = fmt.Sprintf("v%d", h.CgroupVersion)
		}
		cpus, mem := "", ""
		if h.CPUs > 0 {
			cpus = fmt.Sprint(h.CPUs)
		}
		if h.MemBytes > 0 {
			mem = Num(float64(h.MemBytes)/(1<<30), 1)
		}
		t.Add(h.Name, strings.Join(h.Roles, ","), h.Labels["hardware"], h.Arch, h.Model, h.Kernel, cg,
			accountingWord(h.Accounting), h.DockerVersion, cpus, mem, fmt.Sprintf("%+.3f ± %.3f", ms(h.ClockOffset), ms(h.ClockError)))
	}
	blocks := []Block{{Heading: "Hosts"}, {Table: t},
		{Text: "Host series: \"host\" is the whole machine (/proc); \"node cgroup\" is a container-testbed node's own cgroup " +
			"(its CPU and memory only: the nodes share one kernel, so the machine's figures would mix them)."}}
	if txt := emulatedText(a); txt != "" {
		blocks = append(blocks, Block{Text: txt})
	}
	return blocks
}

// emulatedText says which hosts were not the boards their hardware label
// names but containers posing as them, and how (their envelope label, which
// the container testbed writes into the inventory); "" when none.
func emulatedText(a *Aggregate) string {
	var parts []string
	for _, h := range a.Hosts {
		if env := h.Labels["envelope"]; env != "" {
			parts = append(parts, fmt.Sprintf("%s is %s, %s.", h.Name, h.Labels["hardware"], env))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "Emulated boards: these hosts are not the boards their hardware label names but containers held to the board's size. " +
		strings.Join(parts, " ")
}

// accountingWord spells HostFacts.Accounting; runs from before it was
// recorded say nothing.
func accountingWord(a string) string {
	if a == "" {
		return "not recorded"
	}
	return a
}

// hostMetrics are the rows of each trial's main table: CPU and memory of
// the whole host, as the papers' figures show them.
var hostMetrics = []struct {
	metric, name string
	scale        float64
	prec         int
}{
	{sample.CPUPct, "CPU %", 1, 2},
	{sample.MemUsedBytes, "memory used MiB", 1.0 / mib, 1},
}

// TrialsSection gives each trial its table of host statistics over the
// measure phase; a trial cut short says so in its heading and its text.
func TrialsSection(a *Aggregate) []Block {
	out := []Block{{Heading: "Trials (measure phase)"}}
	for _, tr := range a.Trials {
		out = append(out, Block{Subheading: fmt.Sprintf("Trial %s — %s", tr.Label(), tr.Title)})
		state := "complete"
		if !tr.Complete {
			state = "**INCOMPLETE**: the runner did not finish this trial; its numbers cover what was measured"
		}
		out = append(out, Block{Text: fmt.Sprintf("Measure phase from %s, %.0f s, %s.", stamp(tr.Start), tr.Seconds, state)})
		if f := trialFlags(tr); f != "" {
			out = append(out, Block{Text: "**Flagged** — a board throttled or reached its temperature limit in this trial, " +
				"so its numbers are not those of a board at full speed: " + f + "."})
		}
		if o := oomText(tr); o != "" {
			out = append(out, Block{Text: "**Out of memory** — " + o + "."})
		}
		t := NewTable("host", "metric", ">mean", ">p50", ">p95", ">max", ">n")
		for _, h := range tr.Hosts() {
			name := h
			if len(hwFlags(tr, h)) > 0 {
				name += flagMark
			}
			for _, m := range hostMetrics {
				s := tr.Find(h, sample.KindHost, "", m.metric)
				if s == nil {
					continue
				}
				st := s.Stat
				t.Add(name, m.name, Num(st.Mean*m.scale, m.prec), Num(st.P50*m.scale, m.prec),
					Num(st.P95*m.scale, m.prec), Num(st.Max*m.scale, m.prec), fmt.Sprint(st.N))
			}
			for _, r := range hwRows(tr, h) {
				r[0] = name
				t.Add(r...)
			}
		}
		if len(t.Rows) == 0 {
			out = append(out, Block{Text: "No host samples in the measure phase."})
			continue
		}
		out = append(out, Block{Table: t})
	}
	return out
}

// RepeatsSection summarises the repeats of each matrix point: the mean of
// the repeats' means per host, with their spread. Only for runs with
// repeats.
func RepeatsSection(a *Aggregate) []Block {
	combos := a.Combos()
	t := NewTable("combination", "host", "metric", ">repeats", ">mean of means", ">min", ">max", "incomplete", "throttled/hot")
	for _, trials := range combos {
		if len(trials) < 2 {
			continue
		}
		for _, h := range trials[0].Hosts() {
			for _, m := range hostMetrics {
				var means []float64
				cut, hot := 0, 0
				for _, tr := range trials {
					if s := tr.Find(h, sample.KindHost, "", m.metric); s != nil {
						means = append(means, s.Stat.Mean*m.scale)
						if !tr.Complete {
							cut++
						}
						if len(hwFlags(tr, h)) > 0 {
							hot++
						}
					}
				}
				if len(means) == 0 {
					continue
				}
				lo, hi := math.Inf(1), math.Inf(-1)
				for _, v := range means {
					lo, hi = math.Min(lo, v), math.Max(hi, v)
				}
				inc := ""
				if cut > 0 {
					inc = fmt.Sprintf("%d of %d", cut, len(means))
				}
				flagged := ""
				if hot > 0 {
					flagged = fmt.Sprintf("%d of %d", hot, len(means))
				}
				t.Add(trials[0].Title, h, m.name, fmt.Sprint(len(means)), Num(mean(means), m.prec),
					Num(lo, m.prec), Num(hi, m.prec), inc, flagged)
			}
		}
	}
	var stops []string
	for _, e := range a.Events.RepeatStops {
		stops = append(stops, e.Message+".")
	}
	if len(t.Rows) == 0 && len(stops) == 0 {
		return nil
	}
	out := []Block{{Heading: "Repeats"}}
	if len(stops) > 0 {
		out = append(out, Block{Text: "Adaptive repeats (each combination repeated until the relative standard deviation of its per-repeat values fell to the threshold, or to the maximum): " +
			strings.Join(stops, " ")})
	}
	if len(t.Rows) > 0 {
		out = append(out, Block{Text: "Each combination's repeats: the mean of their measure-phase means and the range they span."}, Block{Table: t})
	}
	return out
}

// ReferenceSection prints the spec's reference values (the paper's
// figures) to be read against the trials' tables.
func ReferenceSection(a *Aggregate) []Block {
	if len(a.Reference) == 0 {
		return nil
	}
	t := NewTable("reference", "the paper's figure")
	for _, k := range sortedKeys(a.Reference) {
		t.Add(k, a.Reference[k])
	}
	return []Block{{Subheading: "The paper's figures, to compare with"}, {Table: t}}
}

// ContainersSection tabulates every container's and daemon's CPU and
// memory per trial.
func ContainersSection(a *Aggregate) []Block {
	t := NewTable("trial", "host", "kind", "name", ">CPU mean %", ">CPU max %", ">memory max MiB", ">n")
	for _, tr := range a.Trials {
		for _, s := range tr.Series {
			k := s.Key
			if k.Metric != sample.CPUPct || (k.Kind != string(sample.KindContainer) && k.Kind != string(sample.KindDaemon)) {
				continue
			}
			memMetric := sample.RSSBytes
			if k.Kind == string(sample.KindContainer) {
				memMetric = sample.MemWorkingSet
			}
			mem := "–"
			if m := tr.Find(k.Host, sample.Kind(k.Kind), k.Label, memMetric); m != nil {
				mem = Num(m.Stat.Max/mib, 1)
			}
			t.Add(tr.Label(), k.Host, k.Kind, s.Name, Num(s.Stat.Mean, 2), Num(s.Stat.Max, 2), mem, fmt.Sprint(s.Stat.N))
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return []Block{{Heading: "Containers and daemons"},
		{Text: "CPU in % of one core; memory is a container's working set (usage minus inactive file) or a daemon's RSS."},
		{Table: t}}
}

// ProbeSection shows the probe's own cost, in per mille of a core and
// microseconds per sample, so that it reads even when it is tiny.
func ProbeSection(a *Aggregate) []Block {
	t := NewTable("trial", "host", ">CPU mean ‰", ">CPU max ‰", ">RSS max MiB", ">sample p50 µs", ">sample p95 µs", ">n")
	for _, tr := range a.Trials {
		for _, h := range tr.Hosts() {
			cpu := tr.Find(h, sample.KindProbe, "", sample.CPUPct)
			if cpu == nil {
				continue
			}
			rss, us := nan(tr.Find(h, sample.KindProbe, "", sample.RSSBytes)), nan(tr.Find(h, sample.KindProbe, "", sample.SampleCostMicro))
			t.Add(tr.Label(), h, Num(cpu.Stat.Mean*10, 2), Num(cpu.Stat.Max*10, 2), Num(rss.Max/mib, 1),
				Num(us.P50, 0), Num(us.P95, 0), fmt.Sprint(cpu.Stat.N))
		}
	}
	if len(t.Rows) == 0 {
		return []Block{{Heading: "Probe overhead"}, {Text: "No probe series in the measure phase."}}
	}
	return []Block{{Heading: "Probe overhead"},
		{Text: "The probe's own cost, so that it can be seen not to distort what it measures: CPU in ‰ (per mille) of one core."},
		{Table: t}}
}

func nan(s *Series) Stat {
	if s == nil {
		n := math.NaN()
		return Stat{Mean: n, Min: n, P50: n, P95: n, Max: n}
	}
	return s.Stat
}

// EventsSection counts the run's events and lists the notable ones.
func EventsSection(a *Aggregate) []Block {
	t := NewTable("event", ">count")
	for _, k := range sortedKeys(a.Events.Counts) {
		t.Add(k, fmt.Sprint(a.Events.Counts[k]))
	}
	out := []Block{{Heading: "Events"}, {Table: t}}
	if len(a.Events.Notable) == 0 {
		return append(out, Block{Text: "No errors, node losses, interrupts, sample gaps or clock drift."})
	}
	n := NewTable("time", "event", "trial", "phase", "host", "message")
	for _, e := range a.Events.Notable {
		n.Add(stamp(e.Time), e.Type, e.Trial, e.Phase, e.Host, e.Message)
	}
	out = append(out, Block{Text: "Errors, node losses, interrupts, sample gaps and clock drift:"}, Block{Table: n})
	if c := a.Events.Counts[results.EventClockDrift]; c > 0 {
		out = append(out, Block{Text: fmt.Sprintf("Warning: a host's clock drifted beyond the offset's error bound %d time(s) (clock-drift above). "+
			"Its samples were corrected with the offset interpolated between measurements, so their times, and the phase they are "+
			"counted in near a phase boundary, carry up to that drift as error.", c)})
	}
	return out
}

// WarningsSection lists what reading the run directory skipped (torn or
// malformed rows are dropped, never read as data, and counted here).
func WarningsSection(a *Aggregate) []Block {
	if len(a.Warnings) == 0 {
		return nil
	}
	return []Block{{Heading: "Warnings from reading the run directory"}, {List: a.Warnings}}
}

func mean(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

var _ = results.StatusCompleted
