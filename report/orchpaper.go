package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/probes"
	"github.com/edgerig/edgerig/sample"
	"github.com/edgerig/edgerig/stats"
)

// orchFigure is the paper's Figures 4 and 5 in one: a row of CPU panels
// and a row of memory panels, one column per orchestrator (the matrix's
// grid), every node a line named with its role, each row on one scale.
// Repeats are drawn as the grid draws them: mean, band, each faint.
func orchFigure(a *Aggregate, c *orchCompare) (*Figure, error) {
	styles := hostStyles(a)
	pick := func(metric string) func(*Trial) []line {
		return func(t *Trial) []line {
			var out []line
			for _, s := range t.Series {
				if s.Key.Kind == string(sample.KindHost) && s.Key.Metric == metric && s.Key.Label == "" {
					out = append(out, line{Name: s.Key.Host + " (" + c.Role[s.Key.Host] + ")", Style: styles[s.Key.Host], Series: s})
				}
			}
			return out
		}
	}
	cpuLabel := "CPU (% of the machine)"
	if acct := accountings(a); len(acct) == 1 && acct[0] == probes.AccountingNodeCgroup {
		cpuLabel = "CPU (% of the node)"
	}
	cpu, err := timeFigure(a, timeSpec{Name: "orchestrators", YLabel: cpuLabel, Scale: 1, Pick: pick(sample.CPUPct), Lost: true})
	if err != nil {
		return nil, err
	}
	mem, err := timeFigure(a, timeSpec{Name: "orchestrators", YLabel: memUnit(a), Scale: 1.0 / mib, Pick: pick(sample.MemUsedBytes), Lost: true})
	if err != nil {
		return nil, err
	}
	if cpu == nil || mem == nil || cpu.Cols != mem.Cols {
		return nil, nil
	}
	combos := a.Combos()
	_, _, cell, _, axes := gridLayout(combos)
	for ci, trials := range combos {
		name := kindTitle(trials[0].Params[orchParam])
		var rest []string
		for _, k := range axes {
			if k != orchParam {
				rest = append(rest, trials[0].Params[k])
			}
		}
		if len(rest) > 0 {
			name += " · " + strings.Join(rest, " · ")
		}
		if p := cpu.Panels[cell[ci]]; p != nil {
			p.Title.Text = panelTitle(name+" — CPU", trials)
			p.X.Label.Text = ""
		}
		if p := mem.Panels[cell[ci]]; p != nil {
			p.Title.Text = panelTitle(name+" — memory", trials)
		}
	}
	return &Figure{
		Name:  "orchestrators",
		Title: "Idle CPU (top, as the paper's Figure 4) and memory (bottom, Figure 5) of every node",
		Caption: "Each node's host CPU % and memory used over the measure phase, the orchestrators side by side; " +
			"each row on one scale, repeats as their mean with a min–max band and each repeat faint. " + cpuUnit(a) + ".",
		Rows: cpu.Rows + mem.Rows, Cols: cpu.Cols,
		Panels: slices.Concat(cpu.Panels, mem.Panels),
		Legend: cpu.Legend,
	}, nil
}

// direction words a ratio's interval against 1.
func direction(iv stats.Interval) string {
	switch {
	case math.IsNaN(iv.Est):
		return "unknown"
	case math.IsNaN(iv.Lo):
		if iv.Est > 1 {
			return "more (one repeat: no interval)"
		}
		return "not more (one repeat: no interval)"
	case iv.Lo > 1:
		return "more"
	case iv.Hi < 1:
		return "less"
	}
	return "not distinguishably more"
}

// paperText compares the group's numbers with the paper's and says what
// carries over from emulated nodes or other hardware. Every number in it
// comes from the run.
func (c *orchCompare) paperText(a *Aggregate, g *orchGroup) string {
	var b strings.Builder
	var more, notMore []string
	for _, r := range []string{roleMaster, roleWorker} {
		s, k := g.Cells[[2]string{kindSwarm, r}], g.Cells[[2]string{kindKube, r}]
		if s == nil || k == nil {
			continue
		}
		cpu, mem := ratioIv(s.CPU, k.CPU), ratioIv(s.Mem, k.Mem)
		fmt.Fprintf(&b, "On the %s Kubernetes used %s× Swarm's CPU (%s) and %s× its memory (%s). ",
			roleTitle(r), Num(cpu.Est, 2), ratioBounds(cpu), Num(mem.Est, 2), ratioBounds(mem))
		for _, x := range []struct {
			what string
			iv   stats.Interval
		}{{"CPU on the " + roleTitle(r), cpu}, {"memory on the " + roleTitle(r), mem}} {
			if d := direction(x.iv); strings.HasPrefix(d, "more") {
				more = append(more, x.what)
			} else {
				notMore = append(notMore, x.what+" ("+d+")")
			}
		}
	}
	switch {
	case len(notMore) == 0 && len(more) > 0:
		b.WriteString("As in the paper, Kubernetes needed more CPU and more memory than Swarm on every role. ")
	case len(more) > 0:
		fmt.Fprintf(&b, "As in the paper Kubernetes needed more %s; unlike the paper, not on %s. ",
			strings.Join(more, ", "), strings.Join(notMore, ", "))
	case len(notMore) > 0:
		fmt.Fprintf(&b, "Unlike the paper, Kubernetes did not need more than Swarm: %s. ", strings.Join(notMore, ", "))
	}
	km, kw := g.Cells[[2]string{kindKube, roleMaster}], g.Cells[[2]string{kindKube, roleWorker}]
	if km != nil && kw != nil {
		fmt.Fprintf(&b, "Kubernetes's CPU was %s %% on the master and %s %% on a worker, against the paper's ~%.0f %% and ~%.0f %%",
			Num(meanOf(km.CPU), 2), Num(meanOf(kw.CPU), 2), paperMasterCPU, paperWorkerCPU)
		if len(km.CPU) == len(kw.CPU) {
			mw := pairedRatioIv(kw.CPU, km.CPU)
			fmt.Fprintf(&b, "; its master ÷ worker ratio was %s (%s) against the paper's ~%.0f", Num(mw.Est, 2), ratioBounds(mw), paperMasterCPU/paperWorkerCPU)
		}
		b.WriteString(". ")
	}
	b.WriteString(c.carryOver(a))
	return b.String()
}

// ratioBounds is a ratio's interval in words.
func ratioBounds(iv stats.Interval) string {
	switch {
	case math.IsNaN(iv.Lo):
		return "one repeat: no interval"
	case math.IsInf(iv.Lo, 0) || math.IsInf(iv.Hi, 0):
		return "95 % interval unbounded"
	}
	return fmt.Sprintf("95 %% interval %s–%s", Num(iv.Lo, 2), Num(iv.Hi, 2))
}

// carryOver says, from the hosts' facts, what compares with the paper's
// Raspberry Pis: ratios, not percentages.
func (c *orchCompare) carryOver(a *Aggregate) string {
	var archs, models, dockers []string
	cpus := 0
	for _, h := range a.Hosts {
		add := func(list *[]string, v string) {
			if v != "" && !slices.Contains(*list, v) {
				*list = append(*list, v)
			}
		}
		add(&archs, h.Arch)
		add(&models, h.Model)
		add(&dockers, h.DockerVersion)
		cpus = max(cpus, h.CPUs)
	}
	machine := strings.Join(archs, "/")
	if len(models) > 0 {
		machine += " (" + strings.Join(models, "; ")
		if cpus > 0 {
			machine += fmt.Sprintf(", %d CPUs", cpus)
		}
		machine += ")"
	}
	docker := "Docker " + strings.Join(dockers, "/")
	if len(dockers) == 0 {
		docker = "a Docker version not recorded"
	}
	acct := accountings(a)
	var s string
	if len(acct) == 1 && acct[0] == probes.AccountingNodeCgroup {
		s = fmt.Sprintf("The nodes here are %d containers sharing one %s machine, each measured by its own cgroup, with %s; "+
			"the paper's were four Raspberry Pis, each a whole machine measured by Monit, with Docker 17.03 and a Kubernetes of 2017 (its version not stated). ",
			len(a.Hosts), machine, docker)
	} else {
		s = fmt.Sprintf("The nodes here are %d machines (%s), each measured as a whole, with %s; "+
			"the paper's were four Raspberry Pis under Hypriot OS with Docker 17.03 and a Kubernetes of 2017 (its version not stated). ", len(a.Hosts), machine, docker)
	}
	return s + "The percentages do not carry over: they are of other CPUs (a core that runs the same control loops in less of its time " +
		"shows a smaller percentage), of another whole (a node's cgroup or a machine's cores, against a Pi's four cores) and of other software versions. " +
		"What carries over are ratios measured on one machine under one accounting: Kubernetes ÷ Swarm per role and master ÷ worker, " +
		"as far as both orchestrators' idle work (control loops, heartbeats, health checks at fixed intervals) scales alike with the CPU. " +
		"On a real Pi cluster (`--hosts`) the percentages themselves compare."
}

// k3sNote is RESULTS.md's fixed sentence on the installs that cannot
// run here.
const k3sNote = "The `k3s` and `kubeadm` installs (`orchestrator.kubernetes.install`) are tested here only against the exact " +
	"commands they issue, on recorded hosts: their figures are verified only on a real cluster " +
	"(`edgerig run --hosts FILE experiments/idle-orchestrators.yaml` with the install set in the spec)."

// resultsMarkdown is the comparison's part of RESULTS.md: the reproduced
// table beside the paper's and the paragraph on what carries over.
func (c *orchCompare) resultsMarkdown(a *Aggregate) string {
	var b strings.Builder
	for _, g := range c.Groups {
		title := "Reproduced beside the paper (PyMon Figures 4–5)"
		if g.Rest != "" {
			title += " — " + g.Rest
		}
		fmt.Fprintf(&b, "\n### %s\n\n", title)
		t := NewTable("role", "figure", ">Swarm", ">Kubernetes", ">Kubernetes ÷ Swarm", "paper (Raspberry Pis)")
		for _, r := range c.Roles {
			s, k := g.Cells[[2]string{kindSwarm, r}], g.Cells[[2]string{kindKube, r}]
			if s == nil || k == nil {
				continue
			}
			paperC, paperM := "", ""
			if pc := paperCPU(kindKube, r); pc != "" {
				paperC = "Kubernetes " + pc + " %, Swarm less"
				paperM = "Kubernetes more than Swarm (no figure)"
			}
			t.Add(roleTitle(r), "CPU mean %", ivText(s.CPU, 2), ivText(k.CPU, 2), ratioText(ratioIv(s.CPU, k.CPU)), paperC)
			t.Add(roleTitle(r), "memory mean MiB", ivText(s.Mem, 1), ivText(k.Mem, 1), ratioText(ratioIv(s.Mem, k.Mem)), paperM)
		}
		b.WriteString(t.Markdown())
		if w := g.incompleteText(); w != "" {
			b.WriteString("\n" + w + "\n")
		}
		b.WriteString("\nMeans over a role's nodes, ± the half-width of the 95 % t interval over the repeats; ratios with Fieller's 95 % interval. " +
			cpuUnit(a) + ".\n\n")
		b.WriteString(c.paperText(a, g) + "\n")
	}
	b.WriteString("\n" + k3sNote + "\n")
	return b.String()
}
