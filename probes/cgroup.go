package probes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// layout says where a host's container cgroups are and how to read them.
type layout struct {
	version int    // 1 or 2
	cpuBase string // v1: the cpuacct hierarchy; v2: the unified one
	memBase string // v1: the memory hierarchy; v2: same as cpuBase
	// v1 only, "" when not mounted: the cpu (CFS quota) and cpuset
	// hierarchies, read once for a node's CPU limit.
	quotaBase, cpusetBase string
	// inContainer: the probe's own cgroup is a container's (or, on v2 with
	// a private cgroup namespace, the mounted root is not the machine's),
	// so cpuBase and memBase are its node's cgroup directory.
	inContainer bool
}

// mount is one cgroup line of /proc/self/mountinfo.
type mount struct {
	root, point string
	v2          bool
	controllers []string // v1 super options naming controllers
}

// parseMountinfo returns the cgroup and cgroup2 mounts of a mountinfo file.
// Fields: id parent major:minor root mountpoint options [optional...] - fstype
// source superoptions.
func parseMountinfo(b []byte) []mount {
	var ms []mount
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		sep := bytes.Index(line, []byte(" - "))
		if sep < 0 {
			continue
		}
		pre := strings.Fields(string(line[:sep]))
		post := strings.Fields(string(line[sep+3:]))
		if len(pre) < 5 || len(post) < 1 {
			continue
		}
		m := mount{root: unescapeMount(pre[3]), point: unescapeMount(pre[4])}
		switch post[0] {
		case "cgroup2":
			m.v2 = true
		case "cgroup":
			if len(post) >= 3 {
				m.controllers = strings.Split(post[2], ",")
			}
		default:
			continue
		}
		ms = append(ms, m)
	}
	return ms
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, ok := octal(s[i+1 : i+4]); ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func octal(s string) (byte, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var v int
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, false
		}
		v = v*8 + int(c-'0')
	}
	return byte(v), v < 256
}

// ownCgroups parses /proc/self/cgroup into controller → path; the v2 line
// ("0::/path") is stored under the key "".
func ownCgroups(b []byte) map[string]string {
	own := map[string]string{}
	for len(b) > 0 {
		var line []byte
		line, b = nextLine(b)
		parts := strings.SplitN(string(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			own[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			own[c] = parts[2]
		}
	}
	return own
}

// containerPrefix returns the leading part of a cgroup path up to and
// including its last container component (…/docker/<id>,
// …/docker-<id>.scope), or "" when the path is in no container.
func containerPrefix(p string) string {
	parts := strings.Split(p, "/")
	for i := len(parts) - 1; i >= 0; i-- {
		if _, ok := containerID(parts[i]); ok {
			return strings.Join(parts[:i+1], "/")
		}
	}
	return ""
}

// base maps a hierarchy's mount to the directory the probe walks. Inside a
// docker-in-docker testbed node, /proc/self/cgroup shows the host's path
// (/docker/<nodeid>) while the files may be mounted with that prefix already
// stripped (mount root /docker/<nodeid>) or not (mount root /): the probe
// strips the prefix it finds in its own cgroup, so it sees exactly its node's
// containers and never a neighbour node's.
func base(root string, m mount, own string) string {
	dir := filepath.Join(root, m.point)
	prefix := containerPrefix(own)
	if prefix == "" || strings.HasPrefix(m.root, prefix) {
		return dir
	}
	rel := strings.TrimPrefix(prefix, strings.TrimSuffix(m.root, "/"))
	if rel == prefix && m.root != "/" {
		return dir // the mount is not above our cgroup: nothing to strip
	}
	if st, err := os.Stat(filepath.Join(dir, rel)); err == nil && st.IsDir() {
		return filepath.Join(dir, rel)
	}
	return dir
}

// discoverLayout finds the cgroup hierarchies under root ("/" on a real
// host, a captured tree in tests). A pure v2 host mounts cgroup2 on
// /sys/fs/cgroup; a v1 or hybrid host (like this Debian VM, which also
// mounts an empty cgroup2 at /sys/fs/cgroup/unified) keeps the cpuacct and
// memory controllers on v1 hierarchies, which are the ones Docker uses.
func discoverLayout(root string) (layout, error) {
	mi, err := readFileOnce(filepath.Join(root, "proc/self/mountinfo"))
	if err != nil {
		return layout{}, fmt.Errorf("cgroup layout: %w", err)
	}
	cg, err := readFileOnce(filepath.Join(root, "proc/self/cgroup"))
	if err != nil {
		return layout{}, fmt.Errorf("cgroup layout: %w", err)
	}
	own := ownCgroups(cg)
	var cpu, mem, quota, cpuset, unified *mount
	ms := parseMountinfo(mi)
	for i := range ms {
		m := &ms[i]
		if m.v2 {
			if unified == nil || m.point == "/sys/fs/cgroup" {
				unified = m
			}
			continue
		}
		for _, c := range m.controllers {
			switch c {
			case "cpuacct":
				cpu = m
			case "memory":
				mem = m
			case "cpu":
				quota = m
			case "cpuset":
				cpuset = m
			}
		}
	}
	switch {
	case cpu != nil && mem != nil:
		l := layout{version: 1,
			cpuBase:     base(root, *cpu, own["cpuacct"]),
			memBase:     base(root, *mem, own["memory"]),
			inContainer: containerPrefix(own["cpuacct"]) != ""}
		if quota != nil {
			l.quotaBase = base(root, *quota, own["cpu"])
		}
		if cpuset != nil {
			l.cpusetBase = base(root, *cpuset, own["cpuset"])
		}
		return l, nil
	case unified != nil:
		b := base(root, *unified, own[""])
		in := containerPrefix(own[""]) != ""
		if !in && own[""] == "/" {
			// A private cgroup namespace shows "/" for the container's
			// own cgroup; only a non-root cgroup has memory.current.
			_, err := os.Stat(filepath.Join(b, "memory.current"))
			in = err == nil
		}
		return layout{version: 2, cpuBase: b, memBase: b, inContainer: in}, nil
	}
	return layout{}, fmt.Errorf("cgroup layout: no cpuacct and memory v1 hierarchies and no cgroup2 mount in %s", filepath.Join(root, "proc/self/mountinfo"))
}

// containerID returns the container ID a cgroup directory name carries:
// a bare 64-hex name (Docker's and kubelet's cgroupfs driver: docker/<id>,
// kubepods/burstable/pod<uid>/<id>) or <runtime>-<id>.scope (the systemd
// driver: docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope).
func containerID(name string) (string, bool) {
	id, ok := containerIDBytes([]byte(name))
	return string(id), ok
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
