package probes

import (
	"bytes"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/sample"
)

// ticksPerSecond is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// architecture Linux builds for (it is fixed for the ABI, whatever CONFIG_HZ).
const ticksPerSecond = 100

var pageSize = uint64(syscall.Getpagesize())

// proc is one process whose CPU time and RSS are summed into a series.
type proc struct {
	pid  int
	stat *statFile
	last uint64 // ticks at the previous reading
	seen bool   // has a previous reading
}

// group sums processes: the daemons of one name, or the probe itself.
type group struct {
	name   string
	procs  map[int]*proc
	prevT  time.Time
	values map[string]float64
}

func newGroup(name string) *group {
	return &group{name: name, procs: map[int]*proc{}, values: make(map[string]float64, 3)}
}

func (g *group) add(pid int, statPath string) {
	if _, ok := g.procs[pid]; ok {
		return
	}
	sf, err := openStat(statPath)
	if err != nil {
		return
	}
	g.procs[pid] = &proc{pid: pid, stat: sf}
}

// read sums CPU ticks spent since the previous reading and current RSS over
// the group's processes; a process that exited is dropped. It returns false
// when there is nothing to report (no process, or the first reading).
func (g *group) read(now time.Time) bool {
	var dticks, rss uint64
	any := false
	for pid, p := range g.procs {
		b, err := p.stat.read()
		if err != nil {
			p.stat.close()
			delete(g.procs, pid)
			continue
		}
		ps, err := parsePidStat(b)
		if err != nil {
			continue
		}
		if p.seen && ps.ticks >= p.last {
			dticks += ps.ticks - p.last
		}
		p.last, p.seen = ps.ticks, true
		rss += ps.rss * pageSize
		any = true
	}
	prev := g.prevT
	g.prevT = now
	if !any || prev.IsZero() || !now.After(prev) {
		return false
	}
	cpu := float64(dticks) / ticksPerSecond / now.Sub(prev).Seconds() * 100
	g.values[sample.CPUPct] = round(cpu, 3)
	g.values[sample.RSSBytes] = float64(rss)
	return true
}

func (g *group) close() {
	for pid, p := range g.procs {
		p.stat.close()
		delete(g.procs, pid)
	}
}

// daemons follows the system daemons named on the command line. Every
// rescanEvery ticks /proc is listed (one getdents pass) and only the
// processes not seen at the previous scan have their comm read, so a scan
// on a host with hundreds of processes costs a few syscalls; a daemon
// restarted in between is picked up within rescanEvery ticks.
//
// A process seen between fork and exec still has its launcher's name
// (setsid, sh), so a PID that matched nothing is read again at the next
// settleScans scans before it counts as known: a daemon started through
// `setsid sh -c '... exec daemon'` is found even when a scan fell into
// that window.
//
// A scan is also skipped while nothing new can have started: the last PID
// the kernel handed out (the fifth field of /proc/loadavg, for the probe's
// own PID namespace, the one /proc lists) is the same as at the previous
// scan and no PID is still settling. On an idle host that saves listing
// /proc, whose cost grows with every process (two per container), on nine
// scans out of ten; a scan still runs every forceScanEvery ticks.
type daemons struct {
	root      string
	groups    []*group
	tick      uint64
	dr        dirReader
	known     map[int]uint8 // PIDs listed at the previous scan: scans they went unmatched
	listed    map[int]uint8
	path      []byte // reused for /proc/PID/comm
	comm      [64]byte
	pids      counter // /proc/loadavg's last PID
	scanned   uint64  // tick of the previous scan
	unsettled int     // PIDs at the previous scan still read again
}

func newDaemons(root string, names []string) *daemons {
	d := &daemons{root: root, known: map[int]uint8{}, listed: map[int]uint8{}}
	for _, n := range names {
		d.groups = append(d.groups, newGroup(n))
	}
	if len(names) > 0 {
		d.pids = openCounter(filepath.Join(root, "proc", "loadavg"), lastPID)
	}
	return d
}

// forceScanEvery bounds, in ticks, how long /proc goes unlisted while its
// last PID stays the same.
const forceScanEvery = 60

// due says whether a scan at this tick could find anything new (see
// daemons).
func (d *daemons) due() bool {
	moved := d.pids.moved() // read on every check, so that it is compared with the latest
	return moved || d.tick == 0 || d.unsettled > 0 || d.tick-d.scanned >= forceScanEvery
}

// lastPID is the fifth field of /proc/loadavg ("0.08 0.24 1.34 1/169 26412").
func lastPID(b []byte) (uint64, bool) {
	var f []byte
	for range 5 {
		f, b = nextField(b)
	}
	return atou(f)
}

// commLen is TASK_COMM_LEN - 1: the kernel keeps the first 15 bytes of a
// program's name ("kube-controller-manager" is "kube-controller").
const commLen = 15

// settleScans is how many scans a PID that matched no daemon is read again
// (see daemons).
const settleScans = 3

// matches says whether a process's comm (at most 15 bytes) is the daemon
// name: exactly (a longer name by its first 15 bytes), or for k3s its
// "k3s-server"/"k3s-agent" forms. Shims (containerd-shim) are not
// containerd.
func matches(comm []byte, name string) bool {
	if string(comm) == name || len(name) > commLen && string(comm) == name[:commLen] {
		return true
	}
	return name == "k3s" && bytes.HasPrefix(comm, []byte("k3s-"))
}

func (d *daemons) scan() {
	proc := filepath.Join(d.root, "proc")
	d.scanned = d.tick
	d.unsettled = 0
	clear(d.listed)
	_ = d.dr.each(proc, func(name []byte) {
		pid, ok := atou(name)
		if !ok || pid == 0 || pid > 1<<31 {
			return
		}
		d.listed[int(pid)] = 0
	})
	for pid := range d.listed {
		seen, ok := d.known[pid]
		if ok && seen >= settleScans {
			d.listed[pid] = settleScans
			continue
		}
		d.listed[pid] = seen + 1
		d.path = append(d.path[:0], proc...)
		d.path = append(d.path, '/')
		d.path = strconv.AppendInt(d.path, int64(pid), 10)
		d.path = append(d.path, "/comm\x00"...)
		n, err := readAt0(d.path, d.comm[:])
		if err != nil {
			continue
		}
		comm := bytes.TrimSpace(d.comm[:n])
		for _, g := range d.groups {
			if matches(comm, g.name) {
				g.add(pid, filepath.Join(proc, strconv.Itoa(pid), "stat"))
				d.listed[pid] = settleScans
			}
		}
		if d.listed[pid] < settleScans {
			d.unsettled++
		}
	}
	d.known, d.listed = d.listed, d.known
}

func (d *daemons) sample(now time.Time, out []sample.Series) []sample.Series {
	if len(d.groups) == 0 {
		return out
	}
	if d.tick%rescanEvery == 0 && d.due() {
		d.scan()
	}
	d.tick++
	for _, g := range d.groups {
		if g.read(now) {
			out = append(out, sample.Series{Kind: sample.KindDaemon, Label: g.name, Values: g.values})
		}
	}
	return out
}

func (d *daemons) close() {
	for _, g := range d.groups {
		g.close()
	}
	d.pids.close()
}

// ParseDaemons splits a --daemons list, dropping empty names.
func ParseDaemons(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}
