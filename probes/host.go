package probes

import (
	"path/filepath"
	"strconv"
	"time"

	"github.com/edgerig/edgerig/sample"
)

// host reads the machine-wide series: CPU of the whole machine and of each
// core from /proc/stat, memory from /proc/meminfo, network from /proc/net/dev.
type host struct {
	stat, meminfo, netdev *statFile
	prevTotal, curTotal   cpuTimes
	prevCores, curCores   []cpuTimes
	primed                bool
	hostVals              map[string]float64
	coreVals              []map[string]float64
	coreLabels            []string
	hw                    *hw
	node                  *nodeCgroup // nil: the whole machine's /proc figures
}

func newHost(root string) (*host, error) {
	h := &host{hostVals: make(map[string]float64, 8), hw: newHW(root)}
	var err error
	if h.stat, err = openStat(filepath.Join(root, "proc/stat")); err != nil {
		return nil, err
	}
	if h.meminfo, err = openStat(filepath.Join(root, "proc/meminfo")); err != nil {
		h.close()
		return nil, err
	}
	if h.netdev, err = openStat(filepath.Join(root, "proc/net/dev")); err != nil {
		h.close()
		return nil, err
	}
	return h, nil
}

// pct is the busy share of a delta of CPU times, 0–100.
func pct(prev, cur cpuTimes) float64 {
	if cur.total <= prev.total || cur.busy < prev.busy {
		return 0
	}
	return 100 * float64(cur.busy-prev.busy) / float64(cur.total-prev.total)
}

// sample appends the host series and one cpu series per core. It returns
// false on the first call, which only primes the CPU counters.
func (h *host) sample(now time.Time, out []sample.Series) ([]sample.Series, bool, error) {
	b, err := h.stat.read()
	if err != nil {
		return out, false, err
	}
	h.prevTotal = h.curTotal
	h.prevCores, h.curCores = h.curCores, h.prevCores
	if h.curCores, err = parseProcStat(b, &h.curTotal, h.curCores); err != nil {
		return out, false, err
	}
	b, err = h.meminfo.read()
	if err != nil {
		return out, false, err
	}
	mem, err := parseMeminfo(b)
	if err != nil {
		return out, false, err
	}
	b, err = h.netdev.read()
	if err != nil {
		return out, false, err
	}
	rx, tx, err := parseNetDev(b)
	if err != nil {
		return out, false, err
	}
	if !h.primed {
		h.primed = true
		if h.node != nil {
			if err := h.node.read(now, h.hostVals, 0, mem.total); err != nil {
				return out, false, err
			}
		}
		return out, false, nil
	}
	busy := pct(h.prevTotal, h.curTotal)
	n := 0
	for _, c := range h.curCores {
		if c.total > 0 {
			n++
		}
	}
	v := h.hostVals
	v[sample.CPUPct] = round(busy, 2)
	v[sample.CPUCores] = round(busy/100*float64(n), 4)
	v[sample.MemTotalBytes] = float64(mem.total)
	v[sample.MemAvailBytes] = float64(mem.avail)
	v[sample.MemUsedBytes] = float64(mem.total - min(mem.avail, mem.total))
	v[sample.NetRxBytes] = float64(rx)
	v[sample.NetTxBytes] = float64(tx)
	if h.node != nil {
		if err := h.node.read(now, v, n, mem.total); err != nil {
			return out, false, err
		}
	}
	out = append(out, sample.Series{Kind: sample.KindHost, Values: v})
	for i, c := range h.curCores {
		if c.total == 0 || i >= len(h.prevCores) || h.prevCores[i].total == 0 {
			continue // offline now or at the previous tick
		}
		for len(h.coreVals) <= i {
			h.coreVals = append(h.coreVals, make(map[string]float64, 1))
			h.coreLabels = append(h.coreLabels, strconv.Itoa(len(h.coreLabels)))
		}
		h.coreVals[i][sample.CPUPct] = round(pct(h.prevCores[i], c), 2)
		if f, ok := h.hw.freqMHz(i); ok {
			h.coreVals[i][sample.FreqMHz] = f
		}
		out = append(out, sample.Series{Kind: sample.KindCPU, Label: h.coreLabels[i], Values: h.coreVals[i]})
	}
	return out, true, nil
}

func (h *host) close() {
	h.stat.close()
	h.meminfo.close()
	h.netdev.close()
	if h.hw != nil {
		h.hw.close()
	}
	if h.node != nil {
		h.node.close()
	}
}
