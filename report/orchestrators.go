package report

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/sample"
	"github.com/edgerig/edgerig/stats"
)

// The PyMon paper's idle comparison (Figure 4 and the text under it):
// Kubernetes idles at around 30 % CPU on the master and 10 % on each
// worker of four Raspberry Pis; Docker Swarm needs less CPU and, by Figure
// 5, less memory, for which the paper gives no figure.
const (
	paperMasterCPU = 30.0
	paperWorkerCPU = 10.0
)

const (
	orchParam  = "orchestrator.kind"
	kindSwarm  = "swarm"
	kindKube   = "kubernetes"
	roleMaster = "master"
	roleWorker = "worker"
	level      = 0.95 // of every interval the comparison gives
)

// daemonOrder lists the daemons the comparison is about in the order the
// tables show them: Kubernetes's control plane, its node agents, then
// the container engines both orchestrators run on. Others follow by name.
var daemonOrder = []string{"kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler",
	"kubelet", "kube-proxy", "coredns", "k3s", "containerd", "dockerd"}

// orchCompare is a run's orchestrators side by side, per role, over their
// repeats: what the orchestrators section and RESULTS.md show. The unit
// of replication is the repeat, so every interval is over the repeats'
// per-trial means (a t interval, or Fieller's for a ratio), never over
// the ticks within one trial.
type orchCompare struct {
	Kinds  []string          // in the order the matrix gives them
	Roles  []string          // master, worker, then any other
	Role   map[string]string // host → the role it counts under
	Groups []*orchGroup
}

// orchGroup is one value of the matrix's other parameters ("" when only
// the orchestrator varies): its cells by kind and role.
type orchGroup struct {
	Rest  string
	Cells map[[2]string]*orchCell
}

// orchCell is one orchestrator and role: per repeat, the mean over the
// role's hosts of each host's measure-phase figure.
type orchCell struct {
	Kind, Role string
	Hosts      []string // sampled in any repeat
	Trials     []string // that had samples of the role's hosts
	Incomplete int      // of them, cut short
	CPU        []float64
	P95        []float64
	Mem        []float64 // MiB
	Cores      []float64 // the node's CPU in % of one core (cpu_cores), NaN where not sampled
	// Daemons holds per daemon its CPU (% of one core) and RSS (MiB) per
	// repeat, averaged over the role's hosts; a host that does not run it
	// counts as 0, so the figures add up to a node's share.
	Daemons map[string]*daemonReps
	// Probe holds per host the probe's own cost per repeat.
	Probe map[string]*probeReps
}

type daemonReps struct{ CPU, RSS []float64 }

type probeReps struct {
	CPU   []float64 // % of one core
	Share []float64 // % of the node's CPU
	RSS   []float64 // MiB
	P95us []float64
}

// newOrchCompare builds the comparison of a run whose matrix varies
// orchestrator.kind over both swarm and kubernetes; nil for any other run.
func newOrchCompare(a *Aggregate) *orchCompare {
	combos := a.Combos()
	var params []map[string]string
	for _, c := range combos {
		params = append(params, c[0].Params)
	}
	axes := varying(params)
	kinds := values(params, orchParam)
	if !slices.Contains(axes, orchParam) || !slices.Contains(kinds, kindSwarm) || !slices.Contains(kinds, kindKube) {
		return nil
	}
	c := &orchCompare{Kinds: kinds, Role: map[string]string{}}
	for _, h := range a.Hosts {
		c.Role[h.Name] = roleOf(h.Roles)
	}
	groups := map[string]*orchGroup{}
	for _, trials := range combos {
		p := trials[0].Params
		var rest []string
		for _, k := range axes {
			if k != orchParam {
				rest = append(rest, k+"="+p[k])
			}
		}
		key := strings.Join(rest, ", ")
		g := groups[key]
		if g == nil {
			g = &orchGroup{Rest: key, Cells: map[[2]string]*orchCell{}}
			groups[key] = g
			c.Groups = append(c.Groups, g)
		}
		for _, t := range trials {
			c.addTrial(g, p[orchParam], t)
		}
	}
	for _, r := range []string{roleMaster, roleWorker} {
		if slices.ContainsFunc(c.Groups, func(g *orchGroup) bool { return g.hasRole(r) }) {
			c.Roles = append(c.Roles, r)
		}
	}
	var other []string
	for _, g := range c.Groups {
		for k := range g.Cells {
			if k[1] != roleMaster && k[1] != roleWorker && !slices.Contains(other, k[1]) {
				other = append(other, k[1])
			}
		}
	}
	slices.Sort(other)
	c.Roles = append(c.Roles, other...)
	return c
}

func (g *orchGroup) hasRole(role string) bool {
	for k := range g.Cells {
		if k[1] == role {
			return true
		}
	}
	return false
}

// roleOf is the role a host counts under: master when it holds the
// master role (a single host holding both is the master), else worker,
// else its first role.
func roleOf(roles []string) string {
	switch {
	case slices.Contains(roles, roleMaster):
		return roleMaster
	case slices.Contains(roles, roleWorker):
		return roleWorker
	case len(roles) > 0:
		return roles[0]
	}
	return "unassigned"
}

// addTrial adds one repeat's figures to the group's cells, one per role
// that has host samples in it.
func (c *orchCompare) addTrial(g *orchGroup, kind string, t *Trial) {
	byRole := map[string][]string{}
	for _, h := range t.Hosts() {
		if t.Find(h, sample.KindHost, "", sample.CPUPct) == nil {
			continue
		}
		r, ok := c.Role[h]
		if !ok {
			r = "unassigned"
			c.Role[h] = r
		}
		byRole[r] = append(byRole[r], h)
	}
	for role, hosts := range byRole {
		cell := g.Cells[[2]string{kind, role}]
		if cell == nil {
			cell = &orchCell{Kind: kind, Role: role, Daemons: map[string]*daemonReps{}, Probe: map[string]*probeReps{}}
			g.Cells[[2]string{kind, role}] = cell
		}
		cell.add(t, hosts)
	}
}

// add appends one repeat: the means over hosts of each host's figures.
func (cell *orchCell) add(t *Trial, hosts []string) {
	n := len(cell.Trials)
	cell.Trials = append(cell.Trials, t.ID)
	if !t.Complete {
		cell.Incomplete++
	}
	for _, h := range hosts {
		if !slices.Contains(cell.Hosts, h) {
			cell.Hosts = append(cell.Hosts, h)
		}
	}
	slices.Sort(cell.Hosts)
	over := func(metric string, f func(Stat) float64) float64 {
		sum, k := 0.0, 0
		for _, h := range hosts {
			if s := t.Find(h, sample.KindHost, "", metric); s != nil {
				sum, k = sum+f(s.Stat), k+1
			}
		}
		if k == 0 || k < len(hosts) {
			return math.NaN() // a figure for some hosts only is not the role's
		}
		return sum / float64(k)
	}
	statMean := func(s Stat) float64 { return s.Mean }
	cell.CPU = append(cell.CPU, over(sample.CPUPct, statMean))
	cell.P95 = append(cell.P95, over(sample.CPUPct, func(s Stat) float64 { return s.P95 }))
	cell.Mem = append(cell.Mem, over(sample.MemUsedBytes, statMean)/mib)
	cell.Cores = append(cell.Cores, over(sample.CPUCores, statMean)*100)

	// Daemons: a daemon first seen in this repeat counts 0 in the earlier ones.
	seen := map[string]bool{}
	for _, h := range hosts {
		for _, s := range t.Series {
			if s.Key.Host == h && s.Key.Kind == string(sample.KindDaemon) && s.Key.Metric == sample.CPUPct {
				seen[s.Key.Label] = true
			}
		}
	}
	for name := range seen {
		if cell.Daemons[name] == nil {
			cell.Daemons[name] = &daemonReps{CPU: make([]float64, n), RSS: make([]float64, n)}
		}
	}
	for name, d := range cell.Daemons {
		cpu, rss := 0.0, 0.0
		for _, h := range hosts {
			if s := t.Find(h, sample.KindDaemon, name, sample.CPUPct); s != nil {
				cpu += s.Stat.Mean
			}
			if s := t.Find(h, sample.KindDaemon, name, sample.RSSBytes); s != nil {
				rss += s.Stat.Mean / mib
			}
		}
		d.CPU = append(d.CPU, cpu/float64(len(hosts)))
		d.RSS = append(d.RSS, rss/float64(len(hosts)))
	}

	for _, h := range hosts {
		cpu := t.Find(h, sample.KindProbe, "", sample.CPUPct)
		if cpu == nil {
			continue
		}
		p := cell.Probe[h]
		if p == nil {
			p = &probeReps{}
			cell.Probe[h] = p
		}
		share := math.NaN()
		if cores := t.Find(h, sample.KindHost, "", sample.CPUCores); cores != nil && cores.Stat.Mean > 0 {
			share = cpu.Stat.Mean / (cores.Stat.Mean * 100) * 100
		}
		p.CPU = append(p.CPU, cpu.Stat.Mean)
		p.Share = append(p.Share, share)
		p.RSS = append(p.RSS, nan(t.Find(h, sample.KindProbe, "", sample.RSSBytes)).Mean/mib)
		p.P95us = append(p.P95us, nan(t.Find(h, sample.KindProbe, "", sample.SampleCostMicro)).P95)
	}
}

// daemonNames lists the daemons of the cells in daemonOrder, then the
// others by name.
func daemonNames(cells ...*orchCell) []string {
	var out, other []string
	for _, cell := range cells {
		if cell == nil {
			continue
		}
		for name := range cell.Daemons {
			if !slices.Contains(out, name) && !slices.Contains(other, name) {
				if slices.Contains(daemonOrder, name) {
					out = append(out, name)
				} else {
					other = append(other, name)
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y string) int { return slices.Index(daemonOrder, x) - slices.Index(daemonOrder, y) })
	slices.Sort(other)
	return append(out, other...)
}

// meanIv is the t interval over the repeats of a figure; a repeat with
// no value (NaN) is left out.
func meanIv(xs []float64) stats.Interval {
	return stats.TMean(finite(xs), level)
}

// ratioIv is Fieller's interval for mean(b)/mean(a) over the repeats.
func ratioIv(a, b []float64) stats.Interval {
	a, b = finite(a), finite(b)
	if len(a) == 0 || len(b) == 0 {
		return stats.Interval{Est: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	}
	return stats.Fieller(a, b, level)
}

// pairedRatioIv is the t interval of the per-repeat ratios b[i]/a[i]: for
// two figures of the same trials (master and worker), which are paired.
func pairedRatioIv(a, b []float64) stats.Interval {
	var r []float64
	for i := range min(len(a), len(b)) {
		if v := b[i] / a[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			r = append(r, v)
		}
	}
	if len(r) == 0 {
		return stats.Interval{Est: math.NaN(), Lo: math.NaN(), Hi: math.NaN()}
	}
	return stats.TMean(r, level)
}

func finite(xs []float64) []float64 {
	return slices.DeleteFunc(slices.Clone(xs), func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) })
}

func meanOf(xs []float64) float64 {
	xs = finite(xs)
	if len(xs) == 0 {
		return math.NaN()
	}
	return mean(xs)
}

// incompleteText warns, when any trial of the group was cut short, that
// its numbers are in the figures; "" otherwise.
func (g *orchGroup) incompleteText() string {
	n, all := 0, 0
	for _, cell := range g.Cells {
		n, all = n+cell.Incomplete, all+len(cell.Trials)
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("**INCOMPLETE**: %d of the %d trial-role figures above come from trials the runner did not finish; they cover what was measured.", n, all)
}
