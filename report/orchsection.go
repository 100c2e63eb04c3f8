package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/edgerig/edgerig/stats"
)

// OrchestratorsSection compares the orchestrators of a run whose matrix
// varies orchestrator.kind over swarm and kubernetes, as the PyMon paper
// does in its Figures 4–5: CPU and memory per node over time, a table per
// orchestrator and role with intervals over the repeats, the ratio
// Kubernetes ÷ Swarm beside the paper's figures, the daemons that make
// the difference, the probe's own cost, the hosts and their accounting,
// and a paragraph on what carries over. Any other run gets nothing, so
// it is one of the DefaultSections.
func OrchestratorsSection(a *Aggregate) []Block {
	c := newOrchCompare(a)
	if c == nil {
		return nil
	}
	out := []Block{{Heading: "Docker Swarm vs Kubernetes at idle (PyMon Figures 4–5)"}}
	out = append(out, Block{Text: c.introText(a)})
	if f, err := orchFigure(a, c); err != nil {
		out = append(out, Block{Text: "The figure could not be drawn: " + err.Error() + "."})
	} else if f != nil {
		out = append(out, Block{Figure: f})
	}
	for _, g := range c.Groups {
		prefix := ""
		if g.Rest != "" {
			prefix = g.Rest + ": "
		}
		out = append(out, Block{Subheading: prefix + "CPU and memory per orchestrator and role"}, Block{Table: c.roleTable(g)})
		if w := g.incompleteText(); w != "" {
			out = append(out, Block{Text: w})
		}
		if rt := c.ratioTable(g); rt != nil {
			out = append(out, Block{Subheading: prefix + "Kubernetes ÷ Swarm"}, Block{Text: ratioNote}, Block{Table: rt})
		}
		for _, role := range c.Roles {
			if dt := c.daemonTable(g, role); dt != nil {
				out = append(out, Block{Subheading: prefix + "Which processes make the difference: " + roleTitle(role)},
					Block{Text: daemonNote}, Block{Table: dt})
			}
		}
		if pt := c.probeTable(g); pt != nil {
			out = append(out, Block{Subheading: prefix + "The probe's own overhead"},
				Block{Text: "The probe's CPU in ‰ (per mille) of one core and as a share of its node's CPU, its RSS and its time per sample, averaged over the repeats."},
				Block{Table: pt})
		}
		out = append(out, Block{Subheading: prefix + "Compared with the paper"}, Block{Text: c.paperText(a, g)})
	}
	ht, acct := c.hostsTable(a)
	out = append(out, Block{Subheading: "Hosts and accounting"}, Block{Table: ht}, Block{Text: acct})
	return out
}

const ratioNote = "Fieller's 95 % interval for the ratio of the two orchestrators' means over their repeats; " +
	"unbounded when Swarm's mean is not distinguishable from zero. The paper gives Kubernetes's CPU only " +
	"(~30 % on the master, ~10 % on a worker) and says Swarm needs less CPU and memory: its ratio is above 1, by how much it does not say."

const daemonNote = "Each daemon's CPU in % of one core and its RSS, per node of the role (a node that does not run it counts as 0), " +
	"the mean over the repeats. The node's total is its host series (cpu_cores, memory used); the rest is everything else the node runs: " +
	"containers and pods, sshd, the probe, the kernel's work for them."

func roleTitle(role string) string {
	switch role {
	case roleMaster:
		return "master"
	case roleWorker:
		return "workers"
	}
	return role
}

func kindTitle(kind string) string {
	switch kind {
	case kindSwarm:
		return "Docker Swarm"
	case kindKube:
		return "Kubernetes"
	case "none":
		return "no orchestrator"
	}
	return kind
}

// introText says what the section's figures and numbers are of.
func (c *orchCompare) introText(a *Aggregate) string {
	reps := map[string]int{}
	for _, g := range c.Groups {
		for k, cell := range g.Cells {
			reps[k[0]] = max(reps[k[0]], len(cell.Trials))
		}
	}
	var parts []string
	one := false
	for _, k := range c.Kinds {
		parts = append(parts, fmt.Sprintf("%s: %s", kindTitle(k), plural(reps[k], "repeat")))
		one = one || reps[k] == 1
	}
	s := "Every node's CPU and memory over each trial's measure phase, the orchestrators side by side on one scale (" +
		strings.Join(parts, ", ") + "). Tables give the mean over a role's nodes of each node's measure-phase figure, " +
		"as the mean over the repeats ± the half-width of its 95 % t interval (the repeat is the unit: ticks within one trial are not independent). "
	if one {
		s += "**With one repeat there is no interval**: a single trial says nothing about how much a repeat would differ. "
	}
	return s + cpuUnit(a) + "."
}

// ivText formats a mean over repeats with its half-width, or says that
// one repeat gives none.
func ivText(xs []float64, prec int) string {
	iv := meanIv(xs)
	switch {
	case math.IsNaN(iv.Est):
		return "–"
	case math.IsNaN(iv.Lo):
		return Num(iv.Est, prec) + " (1 repeat)"
	}
	return Num(iv.Est, prec) + " ± " + Num(iv.Hi-iv.Est, prec)
}

// ratioText formats a ratio with its interval.
func ratioText(iv stats.Interval) string {
	switch {
	case math.IsNaN(iv.Est):
		return "–"
	case math.IsNaN(iv.Lo):
		return Num(iv.Est, 2) + " (1 repeat: no interval)"
	case math.IsInf(iv.Lo, 0) || math.IsInf(iv.Hi, 0):
		return Num(iv.Est, 2) + " [unbounded]"
	}
	return fmt.Sprintf("%s [%s, %s]", Num(iv.Est, 2), Num(iv.Lo, 2), Num(iv.Hi, 2))
}

// paperCPU is the paper's figure beside a Kubernetes or Swarm row.
func paperCPU(kind, role string) string {
	switch {
	case kind == kindKube && role == roleMaster:
		return fmt.Sprintf("~%.0f", paperMasterCPU)
	case kind == kindKube && role == roleWorker:
		return fmt.Sprintf("~%.0f", paperWorkerCPU)
	case kind == kindSwarm && (role == roleMaster || role == roleWorker):
		return "less than Kubernetes"
	}
	return ""
}

func (c *orchCompare) roleTable(g *orchGroup) *Table {
	t := NewTable("orchestrator", "role", "hosts", ">repeats", ">CPU mean %", ">CPU p95 %", ">memory mean MiB", "paper: CPU %")
	for _, k := range c.Kinds {
		for _, r := range c.Roles {
			cell := g.Cells[[2]string{k, r}]
			if cell == nil {
				continue
			}
			reps := fmt.Sprint(len(cell.Trials))
			if cell.Incomplete > 0 {
				reps += fmt.Sprintf(" (%d INCOMPLETE)", cell.Incomplete)
			}
			t.Add(kindTitle(k), roleTitle(r), strings.Join(cell.Hosts, ","), reps,
				ivText(cell.CPU, 2), ivText(cell.P95, 2), ivText(cell.Mem, 1), paperCPU(k, r))
		}
	}
	return t
}

// ratioTable is Kubernetes ÷ Swarm per role and metric, and Kubernetes's
// master ÷ worker, which the paper's two figures give as ~3.
func (c *orchCompare) ratioTable(g *orchGroup) *Table {
	t := NewTable("role", "figure", ">Kubernetes ÷ Swarm [95 % interval]", "paper")
	for _, r := range c.Roles {
		s, k := g.Cells[[2]string{kindSwarm, r}], g.Cells[[2]string{kindKube, r}]
		if s == nil || k == nil {
			continue
		}
		paper := ""
		if r == roleMaster || r == roleWorker {
			paper = "> 1 (Swarm less)"
		}
		t.Add(roleTitle(r), "CPU mean", ratioText(ratioIv(s.CPU, k.CPU)), paper)
		t.Add(roleTitle(r), "CPU p95", ratioText(ratioIv(s.P95, k.P95)), "")
		memPaper := ""
		if paper != "" {
			memPaper = "> 1 (Figure 5; no figure given)"
		}
		t.Add(roleTitle(r), "memory mean", ratioText(ratioIv(s.Mem, k.Mem)), memPaper)
	}
	for _, k := range c.Kinds {
		m, w := g.Cells[[2]string{k, roleMaster}], g.Cells[[2]string{k, roleWorker}]
		if m == nil || w == nil || len(m.CPU) != len(w.CPU) {
			continue
		}
		paper := ""
		if k == kindKube {
			paper = fmt.Sprintf("~%.0f (%.0f %% ÷ %.0f %%)", paperMasterCPU/paperWorkerCPU, paperMasterCPU, paperWorkerCPU)
		}
		t.Add("master ÷ worker", kindTitle(k)+" CPU mean", ratioText(pairedRatioIv(w.CPU, m.CPU)), paper)
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// daemonTable lists, for one role, each daemon's CPU and RSS per
// orchestrator, the node's total and the rest, and with both Swarm and
// Kubernetes the difference and each daemon's share of the node's.
func (c *orchCompare) daemonTable(g *orchGroup, role string) *Table {
	var cells []*orchCell
	for _, k := range c.Kinds {
		cells = append(cells, g.Cells[[2]string{k, role}])
	}
	names := daemonNames(cells...)
	if len(names) == 0 {
		return nil
	}
	s, k := g.Cells[[2]string{kindSwarm, role}], g.Cells[[2]string{kindKube, role}]
	diff := s != nil && k != nil
	cols := []string{"process"}
	for _, kind := range c.Kinds {
		cols = append(cols, ">"+kindTitle(kind)+" CPU %")
	}
	if diff {
		cols = append(cols, ">Δ CPU %", ">share of Δ")
	}
	for _, kind := range c.Kinds {
		cols = append(cols, ">"+kindTitle(kind)+" MiB")
	}
	if diff {
		cols = append(cols, ">Δ MiB")
	}
	t := NewTable(cols...)
	// rows: each daemon, then the daemons' sum, the node, the rest.
	type fig struct{ cpu, mem func(*orchCell) float64 }
	daemon := func(name string) fig {
		return fig{
			cpu: func(cell *orchCell) float64 { return daemonMean(cell, name, true) },
			mem: func(cell *orchCell) float64 { return daemonMean(cell, name, false) },
		}
	}
	sum := fig{
		cpu: func(cell *orchCell) float64 { return daemonSum(cell, names, true) },
		mem: func(cell *orchCell) float64 { return daemonSum(cell, names, false) },
	}
	node := fig{
		cpu: func(cell *orchCell) float64 { return cellMean(cell, func(c *orchCell) []float64 { return c.Cores }) },
		mem: func(cell *orchCell) float64 { return cellMean(cell, func(c *orchCell) []float64 { return c.Mem }) },
	}
	rest := fig{
		cpu: func(cell *orchCell) float64 { return node.cpu(cell) - sum.cpu(cell) },
		mem: func(cell *orchCell) float64 { return node.mem(cell) - sum.mem(cell) },
	}
	nodeDelta := math.NaN()
	if diff {
		nodeDelta = node.cpu(k) - node.cpu(s)
	}
	row := func(label string, f fig) {
		r := []string{label}
		for _, cell := range cells {
			r = append(r, Num(f.cpu(cell), 2))
		}
		if diff {
			d := f.cpu(k) - f.cpu(s)
			share := "–"
			if nodeDelta > 0 && !math.IsNaN(d) {
				share = Num(100*d/nodeDelta, 0) + " %"
			}
			r = append(r, signed(d, 2), share)
		}
		for _, cell := range cells {
			r = append(r, Num(f.mem(cell), 1))
		}
		if diff {
			r = append(r, signed(f.mem(k)-f.mem(s), 1))
		}
		t.Add(r...)
	}
	for _, n := range names {
		row(n, daemon(n))
	}
	row("all these daemons", sum)
	row("the node (host series)", node)
	row("the rest", rest)
	return t
}

func signed(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	if math.Abs(v) < 0.5*math.Pow(10, -float64(prec)) {
		return Num(0, prec) // no sign on what rounds to zero
	}
	return fmt.Sprintf("%+.*f", prec, v)
}

func cellMean(cell *orchCell, f func(*orchCell) []float64) float64 {
	if cell == nil {
		return math.NaN()
	}
	return meanOf(f(cell))
}

func daemonMean(cell *orchCell, name string, cpu bool) float64 {
	if cell == nil {
		return math.NaN()
	}
	d := cell.Daemons[name]
	if d == nil {
		return 0
	}
	if cpu {
		return meanOf(d.CPU)
	}
	return meanOf(d.RSS)
}

func daemonSum(cell *orchCell, names []string, cpu bool) float64 {
	if cell == nil {
		return math.NaN()
	}
	s := 0.0
	for _, n := range names {
		s += daemonMean(cell, n, cpu)
	}
	return s
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
