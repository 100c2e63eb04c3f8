package probes

import (
	"bytes"
	"fmt"
	"path/filepath"
	"time"

	"github.com/edgerig/edgerig/sample"
)

// Container-testbed nodes share one kernel, so /proc/stat and
// /proc/meminfo inside node2 show the whole machine, node3's load
// included. A probe whose own cgroup is a container's reads its node's
// cgroup instead: the CPU and memory of everything the node runs (its
// dockerd, containerd, containers, sshd and the probe) and nothing of its
// neighbours'. Its /proc/net/dev is already the node's own network
// namespace.

// Accounting names which host series a probe reports, as the manifest and
// report spell it.
const (
	AccountingHost       = "host"
	AccountingNodeCgroup = "node cgroup"
)

// Accounting is the accounting a probe with /proc/self/cgroup selfCgroup
// uses; v2RootIsNode says that the mounted cgroup2 root has
// memory.current (so it is a container's, seen through a private cgroup
// namespace). discoverLayout applies the same rule.
func Accounting(selfCgroup []byte, v2RootIsNode bool) string {
	own := ownCgroups(selfCgroup)
	if p, ok := own["cpuacct"]; ok {
		if containerPrefix(p) != "" {
			return AccountingNodeCgroup
		}
		return AccountingHost
	}
	if containerPrefix(own[""]) != "" || own[""] == "/" && v2RootIsNode {
		return AccountingNodeCgroup
	}
	return AccountingHost
}

// nodeCgroup is the probe's node's cgroup files, kept open.
type nodeCgroup struct {
	v1                     bool
	cpu, memUsage, memStat *statFile
	inactiveKey            string
	// oom counts OOM kills in the node (nil when the kernel has no count):
	// read every oomEvery ticks, the count carried between reads.
	oom      *statFile
	oomTick  int
	oomKills float64
	// limitCores is the CPUs the node may use (cpuset, CFS quota), 0 when
	// unlimited: cpu_pct is of that many cores, as the host figure of a
	// board with that many cores would be.
	limitCores float64
	memLimit   uint64 // 0 when unlimited
	lastCPU    uint64 // ns
	lastT      time.Time
	primed     bool
}

// openNode opens the node cgroup of lay, which must be inContainer.
func openNode(lay layout) (*nodeCgroup, error) {
	n := &nodeCgroup{v1: lay.version == 1}
	var cpu, usage, limit string
	stat := filepath.Join(lay.memBase, "memory.stat")
	if n.v1 {
		cpu = filepath.Join(lay.cpuBase, "cpuacct.usage")
		usage = filepath.Join(lay.memBase, "memory.usage_in_bytes")
		limit = filepath.Join(lay.memBase, "memory.limit_in_bytes")
		n.inactiveKey = "total_inactive_file"
	} else {
		cpu = filepath.Join(lay.cpuBase, "cpu.stat")
		usage = filepath.Join(lay.memBase, "memory.current")
		limit = filepath.Join(lay.memBase, "memory.max")
		n.inactiveKey = "inactive_file"
	}
	var err error
	if n.cpu, err = openStat(cpu); err != nil {
		return nil, fmt.Errorf("node cgroup: %w", err)
	}
	if n.memUsage, err = openSmall(usage); err != nil {
		n.close()
		return nil, fmt.Errorf("node cgroup: %w", err)
	}
	if n.memStat, err = openStat(stat); err != nil {
		n.close()
		return nil, fmt.Errorf("node cgroup: %w", err)
	}
	if b, err := readFileOnce(limit); err == nil {
		n.memLimit = parseLimit(b)
	}
	oom := filepath.Join(lay.memBase, "memory.events")
	if n.v1 {
		oom = filepath.Join(lay.memBase, "memory.oom_control")
	}
	if f, err := openStat(oom); err == nil {
		if b, err := f.read(); err == nil {
			if _, err := parseKey(b, "oom_kill"); err == nil {
				n.oom = f
			}
		}
		if n.oom == nil {
			f.close()
		}
	}
	n.limitCores = nodeCores(lay)
	return n, nil
}

// parseLimit reads a memory limit: "max" (v2) or a v1 value near 2^63
// (rounded down to a page) mean none.
func parseLimit(b []byte) uint64 {
	v, err := parseSingle(b)
	if err != nil || v >= 1<<62 {
		return 0
	}
	return v
}

// nodeCores is the node's CPU limit in cores: the smaller of its cpuset's
// size and its CFS quota, 0 when neither limits it.
func nodeCores(lay layout) float64 {
	var cpuset, quota, period []byte
	if lay.version == 1 {
		if lay.cpusetBase != "" {
			cpuset, _ = readFileOnce(filepath.Join(lay.cpusetBase, "cpuset.effective_cpus"))
			if len(bytes.TrimSpace(cpuset)) == 0 {
				cpuset, _ = readFileOnce(filepath.Join(lay.cpusetBase, "cpuset.cpus"))
			}
		}
		if lay.quotaBase != "" {
			quota, _ = readFileOnce(filepath.Join(lay.quotaBase, "cpu.cfs_quota_us"))
			period, _ = readFileOnce(filepath.Join(lay.quotaBase, "cpu.cfs_period_us"))
		}
	} else {
		cpuset, _ = readFileOnce(filepath.Join(lay.cpuBase, "cpuset.cpus.effective"))
		if max, err := readFileOnce(filepath.Join(lay.cpuBase, "cpu.max")); err == nil {
			quota, period = nextField(max)
			period, _ = nextField(period)
		}
	}
	cores := float64(countCPUList(cpuset))
	if q, ok := atou(bytes.TrimSpace(quota)); ok && q > 0 {
		if p, ok := atou(bytes.TrimSpace(period)); ok && p > 0 {
			if c := float64(q) / float64(p); cores == 0 || c < cores {
				cores = c
			}
		}
	}
	return cores
}

// countCPUList counts the CPUs of a cpuset list ("0-3,6"); 0 for an empty
// or malformed one.
func countCPUList(b []byte) int {
	b = bytes.TrimSpace(b)
	n := 0
	for len(b) > 0 {
		var part []byte
		if i := bytes.IndexByte(b, ','); i >= 0 {
			part, b = b[:i], b[i+1:]
		} else {
			part, b = b, nil
		}
		lo, hi := part, part
		if i := bytes.IndexByte(part, '-'); i >= 0 {
			lo, hi = part[:i], part[i+1:]
		}
		a, ok1 := atou(lo)
		z, ok2 := atou(hi)
		if !ok1 || !ok2 || z < a {
			return 0
		}
		n += int(z-a) + 1
	}
	return n
}

// read replaces the machine-wide CPU and memory figures in v with the
// node's; machineCores and memTotal are the machine's, used where the node
// has no limit of its own. It leaves v's CPU figures out on the first
// reading, when there is no delta yet.
func (n *nodeCgroup) read(now time.Time, v map[string]float64, machineCores int, memTotal uint64) error {
	b, err := n.cpu.read()
	if err != nil {
		return err
	}
	var usage uint64
	if n.v1 {
		usage, err = parseSingle(b)
	} else {
		usage, err = parseKey(b, "usage_usec")
		usage *= 1000
	}
	if err != nil {
		return fmt.Errorf("%s: %w", n.cpu.path, err)
	}
	if b, err = n.memUsage.read(); err != nil {
		return err
	}
	mem, err := parseSingle(b)
	if err != nil {
		return fmt.Errorf("%s: %w", n.memUsage.path, err)
	}
	if b, err = n.memStat.read(); err != nil {
		return err
	}
	inactive, err := parseKey(b, n.inactiveKey)
	if err != nil {
		return fmt.Errorf("%s: %w", n.memStat.path, err)
	}
	prevCPU, prevT, primed := n.lastCPU, n.lastT, n.primed
	n.lastCPU, n.lastT, n.primed = usage, now, true

	total := memTotal
	if n.memLimit > 0 && n.memLimit < total {
		total = n.memLimit
	}
	used := uint64(0)
	if mem > inactive {
		used = mem - inactive
	}
	used = min(used, total)
	v[sample.MemTotalBytes] = float64(total)
	v[sample.MemUsedBytes] = float64(used)
	v[sample.MemAvailBytes] = float64(total - used)
	v[sample.NodeCgroup] = 1
	if n.oom != nil {
		// A cumulative count, so reading it every few ticks loses no kill;
		// it only dates it to within oomEvery seconds.
		if n.oomTick%oomEvery == 0 {
			if b, err := n.oom.read(); err == nil {
				if k, err := parseKey(b, "oom_kill"); err == nil {
					n.oomKills = float64(k)
				}
			}
		}
		n.oomTick++
		v[sample.OOMKills] = n.oomKills
	}
	if !primed || !now.After(prevT) {
		return nil
	}
	cores := 0.0
	if usage >= prevCPU {
		cores = float64(usage-prevCPU) / float64(now.Sub(prevT).Nanoseconds())
	}
	limit := n.limitCores
	if limit == 0 || limit > float64(machineCores) && machineCores > 0 {
		limit = float64(machineCores)
	}
	pctv := 0.0
	if limit > 0 {
		pctv = min(100, 100*cores/limit)
	}
	v[sample.CPUCores] = round(cores, 4)
	v[sample.CPUPct] = round(pctv, 2)
	return nil
}

// oomEvery is how many ticks apart the OOM kill count is read.
const oomEvery = 5

func (n *nodeCgroup) close() {
	if n.oom != nil {
		n.oom.close()
	}
	n.cpu.close()
	n.memUsage.close()
	n.memStat.close()
}
