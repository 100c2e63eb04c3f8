package facts

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/edgerig/edgerig/probes"
	"github.com/edgerig/edgerig/results"
)

// Parse reads the output of Gather's script. Sources a host lacks (no
// device tree, no Docker) leave their fields empty; an output without the
// script's final marker was cut short and is an error.
func Parse(out string) (results.HostFacts, error) {
	s := sections(out)
	var f results.HostFacts
	if _, ok := s["end"]; !ok {
		return f, fmt.Errorf("facts output ends early (no @@end): %.200q", out)
	}
	f.Arch = firstLine(s["arch"])
	f.Kernel = firstLine(s["kernel"])
	f.Model = model(s["model"], s["cpuinfo"])
	f.CPUs = cpus(s["nproc"], s["cpuinfo"])
	f.MemBytes = memTotal(s["meminfo"])
	f.OS = osName(s["os"])
	f.CgroupVersion = cgroupVersion(s["cgroupfs"])
	f.DiskBytes = diskTotal(s["df"])
	f.DockerVersion = dockerVersion(s["docker"])
	if cg, ok := s["selfcgroup"]; ok && strings.TrimSpace(cg) != "" {
		// The same rule the probe applies to itself: a shell of the same
		// SSH login sits in the same cgroup as the probe it starts.
		f.Accounting = probes.Accounting([]byte(cg), strings.TrimSpace(s["cg2node"]) == "yes")
	}
	return f, nil
}

// sections splits the output at "@@name" lines.
func sections(out string) map[string]string {
	m := map[string]string{}
	name := ""
	var b strings.Builder
	flush := func() {
		if name != "" {
			m[name] = b.String()
		}
		b.Reset()
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "@@") && !strings.ContainsAny(line, " \t") {
			flush()
			name = line[2:]
			continue
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	flush()
	return m
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(s)
}

// keyValues reads "Key : value" lines (cpuinfo, meminfo); the first value
// of a key wins.
func keyValues(s string) map[string]string {
	m := map[string]string{}
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, seen := m[k]; !seen {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// model prefers the device tree's model ("Raspberry Pi 3 Model B Rev 1.2"),
// then what cpuinfo says: x86's "model name", a Pi kernel's "Model", the
// ARM "Hardware" line, and last the ARM CPU name.
func model(devtree, cpuinfo string) string {
	if m := firstLine(devtree); m != "" {
		return m
	}
	kv := keyValues(cpuinfo)
	for _, k := range []string{"model name", "Model", "Hardware", "Processor", "cpu model", "cpu"} {
		if v := kv[k]; v != "" {
			return v
		}
	}
	return ""
}

func cpus(nproc, cpuinfo string) int {
	if n, err := strconv.Atoi(firstLine(nproc)); err == nil && n > 0 {
		return n
	}
	n := 0
	for line := range strings.SplitSeq(cpuinfo, "\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "processor" {
			n++
		}
	}
	return n
}

// memTotal reads MemTotal ("MemTotal:  948304 kB").
func memTotal(meminfo string) int64 {
	f := strings.Fields(keyValues(meminfo)["MemTotal"])
	if len(f) == 0 {
		return 0
	}
	n, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0
	}
	if len(f) > 1 && strings.EqualFold(f[1], "kB") {
		n *= 1024
	}
	return n
}

func osName(osRelease string) string {
	vals := map[string]string{}
	for line := range strings.SplitSeq(osRelease, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok {
			if u, err := strconv.Unquote(v); err == nil {
				v = u
			} else {
				v = strings.Trim(v, `'"`)
			}
			vals[k] = v
		}
	}
	if v := vals["PRETTY_NAME"]; v != "" {
		return v
	}
	return strings.TrimSpace(vals["NAME"] + " " + vals["VERSION_ID"])
}

// cgroupVersion: /sys/fs/cgroup is cgroup2fs on a unified (v2) host, a
// tmpfs of v1 hierarchies otherwise (hybrid hosts count as v1: that is
// where Docker and the probe find the controllers).
func cgroupVersion(fstype string) int {
	switch firstLine(fstype) {
	case "cgroup2fs", "cgroup2":
		return 2
	case "tmpfs", "cgroupfs", "cgroup":
		return 1
	}
	return 0
}

// diskTotal reads the size of / from POSIX df -Pk output.
func diskTotal(df string) int64 {
	lines := strings.Split(strings.TrimSpace(df), "\n")
	if len(lines) < 2 {
		return 0
	}
	f := strings.Fields(lines[len(lines)-1])
	if len(f) < 2 {
		return 0
	}
	kb, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return kb * 1024
}

// dockerVersion is the daemon's version, or the client's ("Docker version
// 20.10.24+dfsg1, build 297e128") marked as such when no daemon answered.
func dockerVersion(s string) string {
	v := firstLine(s)
	if rest, ok := strings.CutPrefix(v, "Docker version "); ok {
		rest, _, _ = strings.Cut(rest, ",")
		return rest + " (client only: no daemon answered)"
	}
	return v
}
