package containers

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/blkiodev"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/system"
)

// A node that poses as a board is held inside an envelope of the board's
// size: the cores it may run on (cpuset), a CPU quota calibrated so that the
// calibration benchmark scores what the board scores, its memory (swap
// off), its Ethernet rate (a token bucket on the node's interface, on
// egress) and, where the kernel throttles it, its SD card's throughput.
// What could not be matched (more cores than this machine has, a board
// faster than it) is said in the envelope's notes, never hidden.

// BenchPath is where a node carries edgerig-bench.
const BenchPath = "/usr/local/bin/edgerig-bench"

// cfsPeriod is the CPU quota's period: short, so that a throttled node
// runs in slices of a few milliseconds, as a slow CPU would, rather than
// in bursts of a tenth of a second.
const cfsPeriod = 20 * time.Millisecond

// Envelope is what a node was limited to, recorded in testbed.json and
// summarised in the inventory's labels.
type Envelope struct {
	Board      string  `json:"board"`
	Cpuset     string  `json:"cpuset"`
	Cores      int     `json:"cores"`
	QuotaCores float64 `json:"quota_cores"`
	PeriodUS   int64   `json:"cfs_period_us"`
	Memory     int64   `json:"memory_bytes"`
	NetBits    int64   `json:"net_bit_s"`
	Latency    string  `json:"latency,omitempty"`
	DiskBps    int64   `json:"disk_bytes_per_s,omitempty"`
	DiskDevice string  `json:"disk_device,omitempty"`
	// Notes say where the envelope differs from the board, and why.
	Notes       []string     `json:"notes,omitempty"`
	Calibration *Calibration `json:"calibration,omitempty"`
}

// planEnvelope sizes the envelope of board on a machine with hostCores
// cores. The quota is a first estimate, to be calibrated.
func planEnvelope(b Board, hostCores int, latency time.Duration, disk diskTarget) Envelope {
	e := Envelope{Board: b.Name, Cores: min(b.Cores, hostCores), PeriodUS: cfsPeriod.Microseconds(),
		Memory: b.Memory, NetBits: b.NetBits}
	e.Cpuset = "0"
	if e.Cores > 1 {
		e.Cpuset = fmt.Sprintf("0-%d", e.Cores-1)
	}
	if e.Cores < b.Cores {
		e.Notes = append(e.Notes, fmt.Sprintf("cores capped: the board has %d, this machine %d; the quota and the calibration target are scaled to %d of %d cores",
			b.Cores, hostCores, e.Cores, b.Cores))
	}
	e.QuotaCores = float64(e.Cores)
	if latency > 0 {
		e.Latency = latency.String()
	}
	switch {
	case b.DiskBps == 0:
		e.Notes = append(e.Notes, "storage not limited: no published figure for the board's SD card")
	case disk.device == "":
		e.Notes = append(e.Notes, "storage not limited: "+disk.why)
	default:
		e.DiskBps, e.DiskDevice = b.DiskBps, disk.device
		if disk.why != "" {
			e.Notes = append(e.Notes, disk.why)
		}
	}
	return e
}

// resources are the container's limits for the envelope.
func (e Envelope) resources() container.Resources {
	r := container.Resources{
		CpusetCpus: e.Cpuset,
		CPUPeriod:  e.PeriodUS,
		CPUQuota:   quotaUS(e.QuotaCores, e.PeriodUS),
		Memory:     e.Memory,
		MemorySwap: e.Memory, // the same as Memory: no swap
	}
	if e.DiskDevice != "" {
		rate := []*blkiodev.ThrottleDevice{{Path: e.DiskDevice, Rate: uint64(e.DiskBps)}}
		r.BlkioDeviceReadBps, r.BlkioDeviceWriteBps = rate, rate
	}
	return r
}

func quotaUS(cores float64, periodUS int64) int64 {
	return max(1000, int64(math.Round(cores*float64(periodUS))))
}

// Summary is the envelope in one line, for the inventory's envelope label
// and so for every report.
func (e Envelope) Summary() string {
	parts := []string{fmt.Sprintf("container envelope: cpuset %s (%d cores)", e.Cpuset, e.Cores)}
	q := fmt.Sprintf("CPU quota %.3f cores", e.QuotaCores)
	if c := e.Calibration; c != nil {
		q += fmt.Sprintf(" calibrated to 7-Zip %.0f MIPS (achieved %.0f)", c.TargetMIPS, c.AchievedMIPS)
	} else {
		q += " (not calibrated)"
	}
	parts = append(parts, q, "memory "+humanBytes(e.Memory)+" no swap", fmt.Sprintf("network %s egress (tc tbf)", humanBits(e.NetBits)))
	if e.Latency != "" {
		parts = append(parts, "latency "+e.Latency)
	}
	if e.DiskDevice != "" {
		parts = append(parts, fmt.Sprintf("storage %.0f MB/s on %s", float64(e.DiskBps)/1e6, e.DiskDevice))
	} else {
		parts = append(parts, "storage not limited")
	}
	return strings.Join(parts, ", ")
}

func humanBytes(n int64) string {
	if n%gib == 0 {
		return fmt.Sprintf("%d GiB", n/gib)
	}
	return fmt.Sprintf("%d MiB", n/mib)
}

func humanBits(n int64) string {
	if n >= 1e9 && n%1e9 == 0 {
		return fmt.Sprintf("%d Gbit/s", n/1e9)
	}
	return fmt.Sprintf("%d Mbit/s", n/1e6)
}

// shapeNetwork puts the envelope's rate (and latency) on the node's eth0,
// through the host's Docker engine so that it needs no sshd. A container's
// interface is made anew at every start: Start calls it again.
func (tb *Testbed) shapeNetwork(ctx context.Context, node string, e Envelope) error {
	// The bucket holds 10 ms at the rate (at least 32 KiB), so that the
	// kernel's timer granularity cannot hold the rate below what is set; the
	// queue holds 50 ms.
	burst := max(e.NetBits/8/100, 32<<10)
	args := []string{"tc", "qdisc", "replace", "dev", "eth0", "root"}
	if e.Latency != "" {
		args = append(args, "netem", "delay", e.Latency, "rate", strconv.FormatInt(e.NetBits, 10)+"bit")
	} else {
		args = append(args, "tbf", "rate", strconv.FormatInt(e.NetBits, 10)+"bit",
			"burst", strconv.FormatInt(burst, 10), "latency", "50ms")
	}
	if _, err := tb.exec(ctx, node, args...); err != nil {
		if e.Latency != "" && strings.Contains(err.Error(), "unknown") {
			return fmt.Errorf("%s: a latency needs the kernel's netem qdisc, which this kernel lacks (try without --latency): %w", node, err)
		}
		return fmt.Errorf("%s: shaping eth0 to %s: %w", node, humanBits(e.NetBits), err)
	}
	return nil
}

// setQuota changes a running node's CPU quota.
func (tb *Testbed) setQuota(ctx context.Context, n Node, cores float64) error {
	_, err := tb.cli.ContainerUpdate(ctx, n.Container, container.UpdateConfig{Resources: container.Resources{
		CPUPeriod: n.Envelope.PeriodUS, CPUQuota: quotaUS(cores, n.Envelope.PeriodUS),
	}})
	if err != nil {
		return fmt.Errorf("%s: setting the CPU quota to %.3f cores: %w", n.Name, cores, err)
	}
	return nil
}

// diskTarget is the block device a node's storage can be throttled on, or
// why there is none.
type diskTarget struct {
	device string // /dev/vda
	why    string
}

// findDisk finds the whole disk under the Docker engine's data root, which
// holds every node's file system and /var/lib/docker volume. It reads this
// machine's /sys: the testbed's engine is local. cgroupVersion is the
// engine's ("1" or "2").
func findDisk(root, cgroupVersion string) diskTarget {
	var st syscall.Stat_t
	if err := syscall.Stat(root, &st); err != nil {
		return diskTarget{why: fmt.Sprintf("the Docker data root %s is not on this machine (%v)", root, err)}
	}
	maj, mnr := (st.Dev>>8)&0xfff|(st.Dev>>32)&^0xfff, st.Dev&0xff|(st.Dev>>12)&^0xff
	if maj == 0 {
		return diskTarget{why: fmt.Sprintf("the Docker data root %s is on no block device", root)}
	}
	sys := fmt.Sprintf("/sys/dev/block/%d:%d", maj, mnr)
	if _, err := os.Stat(filepath.Join(sys, "partition")); err == nil {
		sys = filepath.Join(sys, "..") // the partition's disk
	}
	b, err := os.ReadFile(filepath.Join(sys, "uevent"))
	if err != nil {
		return diskTarget{why: fmt.Sprintf("no block device found for %s (%v)", root, err)}
	}
	var name string
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "DEVNAME="); ok {
			name = v
		}
	}
	dev := "/dev/" + name
	if _, err := os.Stat(dev); name == "" || err != nil {
		return diskTarget{why: fmt.Sprintf("the block device under %s has no node in /dev", root)}
	}
	d := diskTarget{device: dev}
	if cgroupVersion != "2" {
		d.why = "storage limit partial: cgroup v1 throttles reads and direct writes only; buffered writes reach the disk unthrottled"
	}
	return d
}

// planEnvelopes sizes every node's envelope on the engine's machine.
func planEnvelopes(ctx context.Context, cli interface {
	Info(context.Context) (system.Info, error)
}, o Options) ([]Envelope, error) {
	info, err := cli.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("testbed: docker info: %w", err)
	}
	disk := findDisk(info.DockerRootDir, info.CgroupVersion)
	out := make([]Envelope, len(o.As))
	for i, b := range o.As {
		out[i] = planEnvelope(b, info.NCPU, o.Latency, disk)
	}
	return out, nil
}

// applyEnvelopes shapes every enveloped node's network and calibrates its
// CPU quota: once per board, on the first node posing as it, the quota
// then set on the others of that board.
func (tb *Testbed) applyEnvelopes(ctx context.Context, boards []Board, ref Reference, progress io.Writer) error {
	done := map[string]*Node{}
	for i := range tb.Nodes {
		n := &tb.Nodes[i]
		if n.Envelope == nil {
			continue
		}
		if err := tb.shapeNetwork(ctx, n.Name, *n.Envelope); err != nil {
			return err
		}
		if first := done[n.Envelope.Board]; first != nil {
			e := *first.Envelope
			n.Envelope.QuotaCores, n.Envelope.Calibration, n.Envelope.Notes = e.QuotaCores, e.Calibration, e.Notes
			if err := tb.setQuota(ctx, *n, e.QuotaCores); err != nil {
				return err
			}
			continue
		}
		if err := tb.calibrate(ctx, n, boards[i], ref, progress); err != nil {
			return err
		}
		done[n.Envelope.Board] = n
		fmt.Fprintf(progress, "testbed %s: %s poses as %s: %s\n", tb.ID, n.Name, n.Envelope.Board, n.Envelope.Summary())
		for _, note := range n.Envelope.Notes {
			fmt.Fprintf(progress, "testbed %s: %s: note: %s\n", tb.ID, n.Name, note)
		}
	}
	if err := tb.writeState(); err != nil {
		return err
	}
	return tb.writeFiles()
}
