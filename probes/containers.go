package probes

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"sort"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/sample"
)

// rescanEvery is how often, in ticks, the whole cgroup tree is walked for
// directories that hold containers. In between, only the directories known
// to hold containers (and the usual ones: docker, system.slice) are
// watched: one fstat each, re-listed when their subdirectory count moved,
// which finds a new container at the next tick and a stopped one at once
// (its files fail to read).
const rescanEvery = 10

// statEvery bounds, in ticks, how long a container's memory.stat goes
// unread while its memory usage stays exactly the same.
const statEvery = 10

// walkDepth bounds the full walk: kubepods.slice/kubepods-burstable.slice/
// kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope is depth 4,
// a docker-in-docker node's docker/<node>/docker/<id> also 4.
const walkDepth = 6

// wellKnownParents are listed on every tick even before any container was
// seen in them, so the first container of a fresh engine shows at once.
var wellKnownParents = []string{"docker", "system.slice"}

// container is one container's open cgroup files and last CPU reading.
type container struct {
	id                     string
	cpu, memUsage, memStat *statFile
	lastCPU                uint64 // ns
	lastT                  time.Time
	primed                 bool
	seen                   uint64
	parent                 string // the parent directory, relative to lay.cpuBase
	values                 map[string]float64
	// memory.stat is the costliest file of a tick (cgroup v1 formats
	// dozens of hierarchical counters into it): it is re-read only when
	// the usage moved since its last reading, or every statEvery ticks.
	inactive  uint64
	statUsage uint64
	statTick  uint64
	hasStat   bool
}

func (c *container) close() {
	c.cpu.close()
	c.memUsage.close()
	c.memStat.close()
}

// containers tracks every container cgroup under a layout.
type containers struct {
	lay     layout
	dr      dirReader
	byID    map[string]*container
	order   []*container
	parents map[string]*parentDir // relative to lay.cpuBase
	walkers [walkDepth + 2]dirReader
	tick    uint64
	dirty   bool
	buf     []byte // every container file is read into it
	// The walk is skipped while the machine's count of cgroups (the sum
	// of /proc/cgroups' num_cgroups, which is not namespaced) stays the
	// same: no directory can have appeared. A container in a known parent
	// is found by the parents' listing anyway; the walk is for new parents
	// (a new pod's directory). It still runs every forceScanEvery ticks,
	// for a cgroup removed and another made between two walks.
	cgroups counter // /proc/cgroups' count
	walked  uint64  // tick of the previous walk
}

func newContainers(lay layout, root string) *containers {
	cs := &containers{lay: lay, byID: map[string]*container{}, parents: map[string]*parentDir{}}
	for _, p := range wellKnownParents {
		cs.addParent(p)
	}
	cs.cgroups = openCounter(filepath.Join(root, "proc", "cgroups"), cgroupCount)
	return cs
}

// walkDue says whether the walk at this tick could find a new directory
// (see containers).
func (cs *containers) walkDue() bool {
	moved := cs.cgroups.moved() // read on every check, so that it is compared with the latest
	return moved || cs.walked == 0 || cs.tick-cs.walked >= forceScanEvery
}

// cgroupCount sums /proc/cgroups' num_cgroups column ("#subsys_name
// hierarchy num_cgroups enabled", one line per controller).
func cgroupCount(b []byte) (uint64, bool) {
	var sum uint64
	lines := 0
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		_, rest := nextField(line) // subsys_name
		_, rest = nextField(rest)  // hierarchy
		n, rest := nextField(rest)
		enabled, _ := nextField(rest)
		v, ok := atou(n)
		if !ok || len(enabled) == 0 {
			return 0, false
		}
		sum += v
		lines++
	}
	return sum, lines > 0
}

// files names a container's CPU usage, memory usage and memory.stat files,
// and the memory.stat key of inactive file pages. v1: cpuacct.usage (ns),
// memory.usage_in_bytes, total_inactive_file (hierarchical, as cAdvisor
// reads it); v2: cpu.stat usage_usec, memory.current, inactive_file.
func (cs *containers) files(rel string) (cpu, usage, stat string) {
	if cs.lay.version == 1 {
		return filepath.Join(cs.lay.cpuBase, rel, "cpuacct.usage"),
			filepath.Join(cs.lay.memBase, rel, "memory.usage_in_bytes"),
			filepath.Join(cs.lay.memBase, rel, "memory.stat")
	}
	return filepath.Join(cs.lay.cpuBase, rel, "cpu.stat"),
		filepath.Join(cs.lay.memBase, rel, "memory.current"),
		filepath.Join(cs.lay.memBase, rel, "memory.stat")
}

func (cs *containers) add(id, rel string) {
	cpu, usage, stat := cs.files(rel)
	c := &container{id: id, parent: filepath.Dir(rel), values: make(map[string]float64, 4)}
	var err error
	if c.cpu, err = openStat(cpu); err != nil {
		return // gone already, or not a container cgroup after all
	}
	if c.memUsage, err = openStat(usage); err != nil {
		c.close()
		return
	}
	if c.memStat, err = openStat(stat); err != nil {
		c.close()
		return
	}
	c.seen = cs.tick
	cs.byID[id] = c
	cs.dirty = true
}

func (cs *containers) remove(c *container) {
	c.close()
	delete(cs.byID, c.id)
	cs.dirty = true
}

func (cs *containers) addParent(rel string) {
	if _, ok := cs.parents[rel]; !ok {
		cs.parents[rel] = &parentDir{abs: filepath.Join(cs.lay.cpuBase, rel), fd: -1, wellKnown: slices.Contains(wellKnownParents, rel)}
	}
}

// walk finds container directories below rel and records their parents.
// Each depth has its own getdents buffer, and only subdirectories are
// looked at, so a walk costs about one syscall per cgroup directory.
func (cs *containers) walk(rel string, depth int) {
	if depth > walkDepth {
		return
	}
	var children []string
	_ = cs.walkers[depth].each(filepath.Join(cs.lay.cpuBase, rel), func(name []byte) {
		children = append(children, string(name))
	})
	for _, name := range children {
		child := filepath.Join(rel, name)
		if id, ok := containerID(name); ok {
			cs.addParent(rel)
			if c := cs.byID[id]; c != nil {
				c.seen = cs.tick
			} else {
				cs.add(id, child)
			}
		}
		if hasSubdirs(filepath.Join(cs.lay.cpuBase, child)) {
			cs.walk(child, depth+1)
		}
	}
}

// hasSubdirs tells from a directory's link count (2 + its subdirectories
// on cgroupfs, as on most filesystems) whether listing it could find
// anything: one stat instead of an open, two getdents and a close for each
// of the many leaf cgroups (every container's own directory). A filesystem
// that does not count (link count 1) is always listed.
func hasSubdirs(dir string) bool {
	var st syscall.Stat_t
	if err := syscall.Stat(dir, &st); err != nil {
		return false
	}
	return st.Nlink != 2
}

// list re-lists the known parent directories whose subdirectory count
// changed (all of them when force is set), adding new containers and
// marking the ones still there.
func (cs *containers) list(force bool) {
	for rel, p := range cs.parents {
		if !force && !p.changed() {
			continue
		}
		p.listed = cs.tick
		err := cs.dr.each(p.abs, func(name []byte) {
			id, ok := containerIDBytes(name)
			if !ok {
				return
			}
			if c := cs.byID[string(id)]; c != nil {
				c.seen = cs.tick
				return
			}
			cs.add(string(id), filepath.Join(rel, string(name)))
		})
		if errors.Is(err, fs.ErrNotExist) && !slices.Contains(wellKnownParents, rel) {
			p.close()
			delete(cs.parents, rel) // a pod's directory, gone with the pod
		}
	}
}

// sample reads every container and appends the series of those with a CPU
// delta to out. A container whose cgroup vanished (reads fail with ENODEV
// or ENOENT once it is removed) or that was not listed is dropped at once.
func (cs *containers) sample(now time.Time, out []sample.Series) []sample.Series {
	cs.tick++
	full := cs.tick%rescanEvery == 1 && cs.walkDue()
	if full {
		cs.walked = cs.tick
		cs.walk(".", 0)
	}
	cs.list(full)
	for _, c := range cs.byID {
		if c.seen == cs.tick {
			continue
		}
		// Not listed: gone, unless its parent was not re-listed (then a
		// vanished cgroup shows as a failed read below).
		if p := cs.parents[c.parent]; p == nil || p.listed == cs.tick {
			cs.remove(c)
		}
	}
	if cs.dirty {
		cs.order = cs.order[:0]
		for _, c := range cs.byID {
			cs.order = append(cs.order, c)
		}
		sort.Slice(cs.order, func(i, j int) bool { return cs.order[i].id < cs.order[j].id })
		cs.dirty = false
	}
	for _, c := range cs.order {
		if _, gone := cs.byID[c.id]; !gone {
			continue
		}
		if err := cs.read(c, now); err != nil {
			cs.remove(c)
			continue
		}
		if len(c.values) == 0 {
			continue // first reading: no CPU delta yet
		}
		out = append(out, sample.Series{Kind: sample.KindContainer, Label: c.id, Values: c.values})
	}
	return out
}

// read takes one container's readings into c.values; the map is left empty
// on the first reading, when there is no CPU delta yet.
func (cs *containers) read(c *container, now time.Time) error {
	b, err := c.cpu.readInto(&cs.buf)
	if err != nil {
		return err
	}
	var usage uint64
	if cs.lay.version == 1 {
		usage, err = parseSingle(b)
	} else {
		usage, err = parseKey(b, "usage_usec")
		usage *= 1000
	}
	if err != nil {
		return fmt.Errorf("%s: %w", c.cpu.path, err)
	}
	b, err = c.memUsage.readInto(&cs.buf)
	if err != nil {
		return err
	}
	mem, err := parseSingle(b)
	if err != nil {
		return fmt.Errorf("%s: %w", c.memUsage.path, err)
	}
	if !c.hasStat || mem != c.statUsage || cs.tick-c.statTick >= statEvery {
		b, err = c.memStat.readInto(&cs.buf)
		if err != nil {
			return err
		}
		key := "inactive_file"
		if cs.lay.version == 1 {
			key = "total_inactive_file"
		}
		if c.inactive, err = parseKey(b, key); err != nil {
			return fmt.Errorf("%s: %w", c.memStat.path, err)
		}
		c.statUsage, c.statTick, c.hasStat = mem, cs.tick, true
	}
	inactive := c.inactive
	prevCPU, prevT, primed := c.lastCPU, c.lastT, c.primed
	c.lastCPU, c.lastT, c.primed = usage, now, true
	if !primed || !now.After(prevT) {
		clear(c.values)
		return nil
	}
	cores := 0.0
	if usage >= prevCPU {
		cores = float64(usage-prevCPU) / float64(now.Sub(prevT).Nanoseconds())
	}
	ws := uint64(0)
	if mem > inactive {
		ws = mem - inactive
	}
	c.values[sample.CPUCores] = round(cores, 4)
	c.values[sample.CPUPct] = round(cores*100, 2)
	c.values[sample.MemUsageBytes] = float64(mem)
	c.values[sample.MemWorkingSet] = float64(ws)
	return nil
}

func (cs *containers) close() {
	for _, c := range cs.byID {
		c.close()
	}
	cs.byID = map[string]*container{}
	for _, p := range cs.parents {
		p.close()
	}
	cs.cgroups.close()
}

// containerIDBytes is containerID without allocating.
func containerIDBytes(name []byte) ([]byte, bool) {
	const scope = ".scope"
	if len(name) == 64 {
		if isHex64Bytes(name) {
			return name, true
		}
		return nil, false
	}
	if len(name) >= 65+len(scope) && string(name[len(name)-len(scope):]) == scope {
		id := name[len(name)-len(scope)-64 : len(name)-len(scope)]
		if name[len(name)-len(scope)-65] == '-' && isHex64Bytes(id) {
			return id, true
		}
	}
	return nil, false
}

func isHex64Bytes(b []byte) bool {
	if len(b) != 64 {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
