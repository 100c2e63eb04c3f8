package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/probes"
)

// cpuUnit says what the host CPU percentage is of, from the accounting.
func cpuUnit(a *Aggregate) string {
	if acct := accountings(a); len(acct) == 1 && acct[0] == probes.AccountingNodeCgroup {
		return "Host CPU % is of each node's own cgroup: its CPU time over its CPU limit, or over the machine's cores when it has none"
	}
	return "Host CPU % is of the whole machine: busy time over all its cores, as the paper's Monit reports it"
}

func accountings(a *Aggregate) []string {
	var out []string
	for _, h := range a.Hosts {
		w := accountingWord(h.Accounting)
		if !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}

// probeTable is the probe's cost on each host under each orchestrator.
func (c *orchCompare) probeTable(g *orchGroup) *Table {
	t := NewTable("host", "role", "orchestrator", ">CPU ‰ of a core", ">share of the node's CPU %", ">RSS MiB", ">sample p95 µs", ">repeats")
	hosts := sortedKeys(c.Role)
	for _, h := range hosts {
		for _, k := range c.Kinds {
			cell := g.Cells[[2]string{k, c.Role[h]}]
			if cell == nil || cell.Probe[h] == nil {
				continue
			}
			p := cell.Probe[h]
			t.Add(h, c.Role[h], kindTitle(k), Num(meanOf(p.CPU)*10, 2), Num(meanOf(p.Share), 2),
				Num(meanOf(p.RSS), 1), Num(meanOf(p.P95us), 0), fmt.Sprint(len(p.CPU)))
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// hostsTable gives the facts that decide what carries over, and says
// which accounting the host series used.
func (c *orchCompare) hostsTable(a *Aggregate) (*Table, string) {
	t := NewTable("host", "role", "hardware", "arch", "model", ">CPUs", ">memory GiB", "kernel", "Docker", "host series")
	for _, h := range a.Hosts {
		mem := ""
		if h.MemBytes > 0 {
			mem = Num(float64(h.MemBytes)/(1<<30), 1)
		}
		cpus := ""
		if h.CPUs > 0 {
			cpus = fmt.Sprint(h.CPUs)
		}
		t.Add(h.Name, c.Role[h.Name], h.Labels["hardware"], h.Arch, h.Model, cpus, mem, h.Kernel, h.DockerVersion, accountingWord(h.Accounting))
	}
	acct := accountings(a)
	var s string
	switch {
	case len(acct) == 1 && acct[0] == probes.AccountingNodeCgroup:
		s = "Accounting: **node cgroup** on every host. The nodes are containers sharing one kernel, so each node's host series " +
			"are its own cgroup's CPU and memory (everything it runs, nothing of its neighbours'), not the machine's."
	case len(acct) == 1 && acct[0] == probes.AccountingHost:
		s = "Accounting: **host** on every host: the host series are each machine's own /proc, as on the paper's Raspberry Pis."
	default:
		s = "Accounting: **" + strings.Join(acct, ", ") + "** — the hosts' series are not all of one kind; compare a role's figures only between hosts of one accounting."
	}
	return t, s
}

// memUnit names what host memory is, for the figure.
func memUnit(a *Aggregate) string {
	if acct := accountings(a); len(acct) == 1 && acct[0] == probes.AccountingNodeCgroup {
		return "memory used (MiB, node cgroup)"
	}
	return "memory used (MiB)"
}
