// Package sample defines the versioned wire format that edgerig-probe writes
// and the runner reads: one JSON object per line, one line per sampling tick.
//
// A line-oriented format keeps the probe free of any framing code and lets a
// reader resume after a lost connection by sequence number alone: every record
// carries the probe's monotonically increasing Seq, so a gap is visible and a
// duplicate can be dropped.
package sample

import (
	"encoding/json"
	"fmt"
)

// Version is the wire format version written in every record. A reader
// refuses records of a version it does not know rather than misread them.
const Version = 1

// Kind says what a Series measures.
type Kind string

// The kinds of series a probe emits.
const (
	KindHost      Kind = "host"      // the whole machine
	KindCPU       Kind = "cpu"       // one core; Label is its number
	KindContainer Kind = "container" // one container; Label is its full ID
	KindDaemon    Kind = "daemon"    // a system daemon (dockerd, kubelet, ...); Label is its name
	KindProbe     Kind = "probe"     // the probe itself
	// Added within wire version 1 (readers that do not know them store
	// them like any other series):
	KindThermal  Kind = "thermal"  // one thermal zone; Label is its type (cpu-thermal, x86_pkg_temp)
	KindThrottle Kind = "throttle" // a Raspberry Pi's firmware throttled flags
)

// Metric names. CPU percentages of the host are of the whole machine
// (0–100 across all cores, as the PyMon paper plots them); CPU percentages of
// a core, container, daemon or the probe are of one core (like `docker stats`),
// so a container using two full cores reads 200.
const (
	CPUPct          = "cpu_pct"
	CPUCores        = "cpu_cores"
	MemUsedBytes    = "mem_used_bytes"
	MemAvailBytes   = "mem_avail_bytes"
	MemTotalBytes   = "mem_total_bytes"
	MemUsageBytes   = "mem_usage_bytes"       // container: cgroup usage
	MemWorkingSet   = "mem_working_set_bytes" // container: usage − inactive file, as cAdvisor and kubectl report it
	RSSBytes        = "rss_bytes"             // daemon, probe
	NetRxBytes      = "net_rx_bytes"          // cumulative counter, all interfaces but lo
	NetTxBytes      = "net_tx_bytes"          // cumulative counter, all interfaces but lo
	SampleCostMicro = "sample_us"             // probe: wall time spent taking this sample

	// Added within wire version 1.
	FreqMHz = "freq_mhz" // cpu: the core's current clock (cpufreq scaling_cur_freq)
	// NodeCgroup is 1 in a host series read from the node's own cgroup (the
	// probe runs in a container, e.g. a container-testbed node) rather than
	// from the whole machine's /proc; absent otherwise.
	NodeCgroup = "node_cgroup"
	// OOMKills is, in a node-cgroup host series, the kernel's count of
	// processes its OOM killer killed in the node's memory cgroup since the
	// node started (v1 memory.oom_control, v2 memory.events).
	OOMKills   = "oom_kills"
	TempC      = "temp_c"       // thermal: the zone's temperature, °C
	TempLimitC = "temp_limit_c" // thermal: its lowest passive/hot/critical trip point, °C
	// Throttle flags, 0 or 1: now, and since boot (the _boot forms).
	UnderVoltage      = "under_voltage"
	FreqCapped        = "freq_capped"
	Throttled         = "throttled"
	SoftTempLimit     = "soft_temp_limit"
	UnderVoltageBoot  = "under_voltage_boot"
	FreqCappedBoot    = "freq_capped_boot"
	ThrottledBoot     = "throttled_boot"
	SoftTempLimitBoot = "soft_temp_limit_boot"
)

// Record is everything a probe read at one tick.
type Record struct {
	V      int      `json:"v"`
	Seq    uint64   `json:"seq"`
	TimeMS int64    `json:"t"` // the probe host's wall clock, Unix milliseconds
	Series []Series `json:"s"`
}

// Series is one measured thing at one tick.
type Series struct {
	Kind   Kind               `json:"k"`
	Label  string             `json:"l,omitempty"`
	Values map[string]float64 `json:"m"`
}

// Decode parses one wire line. It refuses unknown versions and records
// without a sequence number, so a truncated or foreign line is never stored
// as data.
func Decode(line []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(line, &r); err != nil {
		return Record{}, fmt.Errorf("decode sample: %w", err)
	}
	if r.V != Version {
		return Record{}, fmt.Errorf("decode sample: wire version %d, want %d", r.V, Version)
	}
	if r.Seq == 0 {
		return Record{}, fmt.Errorf("decode sample: missing seq")
	}
	return r, nil
}

// Encode renders r as one wire line without the trailing newline.
func Encode(r Record) ([]byte, error) {
	r.V = Version
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode sample %d: %w", r.Seq, err)
	}
	return b, nil
}
