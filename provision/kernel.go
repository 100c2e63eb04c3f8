package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Files edgerig writes to persist what it sets.
const (
	modulesFile = "/etc/modules-load.d/edgerig.conf"
	sysctlFile  = "/etc/sysctl.d/90-edgerig.conf"
	fstabFile   = "/etc/fstab"
)

// notInContainer refuses a change to the kernel from inside a container:
// the kernel is its machine's, shared with everything else running there.
func notInContainer(h *Host, what string) error {
	if h.Container {
		return fmt.Errorf("the host is a container: %s would change the kernel of the machine it runs on; set it there", what)
	}
	return nil
}

// module is a kernel module, loaded now and listed in modules-load.d so
// that it is loaded at every boot.
type module struct{ name string }

func (m module) Name() string { return "module " + m.name }

// builtinEvidence is, for a module a kernel may have built in (so that no
// /sys/module directory shows it), a path that exists only when what the
// module provides is there.
var builtinEvidence = map[string]string{
	"br_netfilter": "/proc/sys/net/bridge/bridge-nf-call-iptables",
}

func (m module) Check(ctx context.Context, h *Host) (Finding, error) {
	_, loadErr := h.output(ctx, "test", "-d", "/sys/module/"+m.name)
	if ev, ok := builtinEvidence[m.name]; ok && loadErr != nil {
		_, loadErr = h.output(ctx, "test", "-e", ev)
	}
	loaded := loadErr == nil
	if h.Container {
		// A container neither loads nor persists modules: the machine's
		// kernel either has the module or not.
		if loaded {
			return ok("a container: loaded in its machine's kernel")
		}
		return missing("not loaded (a container: load it on its machine)")
	}
	conf, _, err := h.readFile(ctx, modulesFile)
	if err != nil {
		return Finding{}, err
	}
	persisted := slices.Contains(lines(conf), m.name)
	switch {
	case loaded && persisted:
		return ok("loaded, in " + modulesFile)
	case loaded:
		return missing("loaded but not in " + modulesFile)
	case persisted:
		return missing("in " + modulesFile + " but not loaded")
	}
	return missing("not loaded")
}

func (m module) Apply(ctx context.Context, h *Host) (bool, error) {
	if err := notInContainer(h, "loading module "+m.name); err != nil {
		return false, err
	}
	if err := h.run(ctx, "modprobe", "--", m.name); err != nil {
		return false, fmt.Errorf("modprobe %s: %w", m.name, err)
	}
	conf, _, err := h.readFile(ctx, modulesFile)
	if err != nil {
		return false, err
	}
	if !slices.Contains(lines(conf), m.name) {
		if err := h.writeFile(ctx, modulesFile, addLine(conf, m.name), "0644"); err != nil {
			return false, err
		}
	}
	return false, nil
}

// sysctl is a kernel parameter, set now and in sysctl.d.
type sysctl struct{ key, value string }

func (s sysctl) Name() string { return "sysctl " + s.key + "=" + s.value }

func (s sysctl) line() string { return s.key + " = " + s.value }

func (s sysctl) Check(ctx context.Context, h *Host) (Finding, error) {
	cur, present, err := h.readFile(ctx, "/proc/sys/"+strings.ReplaceAll(s.key, ".", "/"))
	if err != nil {
		return Finding{}, err
	}
	conf, _, err := h.readFile(ctx, sysctlFile)
	if err != nil {
		return Finding{}, err
	}
	now := strings.Join(strings.Fields(cur), " ")
	persisted := slices.Contains(lines(conf), s.line())
	switch {
	case !present:
		return missing("no such parameter (a module not loaded?)")
	case now == s.value && persisted:
		return ok(now + ", in " + sysctlFile)
	case now == s.value && h.Container:
		// A container does not boot: its value lasts as long as it does,
		// and sysctl.d is not read when it starts.
		return ok(now + " (a container: set for its lifetime)")
	case now == s.value:
		return missing(now + " but not in " + sysctlFile)
	}
	return missing(now)
}

func (s sysctl) Apply(ctx context.Context, h *Host) (bool, error) {
	// A network namespace's own parameters are safe to set in a
	// container; the rest belong to the machine.
	if !strings.HasPrefix(s.key, "net.") {
		if err := notInContainer(h, "sysctl "+s.key); err != nil {
			return false, err
		}
	}
	conf, _, err := h.readFile(ctx, sysctlFile)
	if err != nil {
		return false, err
	}
	var keep []string
	for _, l := range lines(conf) {
		if k, _, ok := strings.Cut(l, "="); ok && strings.TrimSpace(k) == s.key {
			continue // an older value of the same key
		}
		keep = append(keep, l)
	}
	keep = append(keep, s.line())
	if err := h.writeFile(ctx, sysctlFile, strings.Join(keep, "\n")+"\n", "0644"); err != nil {
		return false, err
	}
	if err := h.run(ctx, "sysctl", "-w", s.key+"="+s.value); err != nil {
		return false, fmt.Errorf("sysctl %s: %w", s.key, err)
	}
	return false, nil
}

// swapOff is no swap now and none at the next boot: no active swap, no
// swap line in fstab, and Raspberry Pi OS's dphys-swapfile disabled.
type swapOff struct{}

func (swapOff) Name() string { return "swap off" }

func (swapOff) Check(ctx context.Context, h *Host) (Finding, error) {
	swaps, _, err := h.readFile(ctx, "/proc/swaps")
	if err != nil {
		return Finding{}, err
	}
	fstab, _, err := h.readFile(ctx, fstabFile)
	if err != nil {
		return Finding{}, err
	}
	var found []string
	if l := lines(swaps); len(l) > 1 {
		found = append(found, fmt.Sprintf("%d swap area(s) active", len(l)-1))
	}
	if _, n := commentSwap(fstab); n > 0 {
		found = append(found, fmt.Sprintf("%d swap line(s) in %s", n, fstabFile))
	}
	if h.Systemd() {
		if out, _ := h.output(ctx, "systemctl", "is-enabled", "dphys-swapfile.service"); strings.TrimSpace(out) == "enabled" {
			found = append(found, "dphys-swapfile enabled")
		}
	}
	if len(found) == 0 {
		return ok("no swap")
	}
	return missing(strings.Join(found, ", "))
}

func (swapOff) Apply(ctx context.Context, h *Host) (bool, error) {
	if err := notInContainer(h, "turning swap off"); err != nil {
		return false, err
	}
	if h.Systemd() {
		if out, _ := h.output(ctx, "systemctl", "is-enabled", "dphys-swapfile.service"); strings.TrimSpace(out) == "enabled" {
			if err := h.run(ctx, "dphys-swapfile", "swapoff"); err != nil {
				return false, fmt.Errorf("dphys-swapfile swapoff: %w", err)
			}
			if err := h.run(ctx, "systemctl", "disable", "dphys-swapfile.service"); err != nil {
				return false, fmt.Errorf("disable dphys-swapfile: %w", err)
			}
		}
	}
	if err := h.run(ctx, "swapoff", "-a"); err != nil {
		return false, fmt.Errorf("swapoff: %w", err)
	}
	fstab, present, err := h.readFile(ctx, fstabFile)
	if err != nil {
		return false, err
	}
	if out, n := commentSwap(fstab); present && n > 0 {
		if err := h.writeFile(ctx, fstabFile, out, "0644"); err != nil {
			return false, err
		}
	}
	return false, nil
}

// commentSwap comments out fstab's swap entries and counts them.
func commentSwap(fstab string) (string, int) {
	if fstab == "" {
		return "", 0
	}
	ls := strings.Split(strings.TrimSuffix(fstab, "\n"), "\n")
	n := 0
	for i, l := range ls {
		f := strings.Fields(l)
		if len(f) >= 3 && !strings.HasPrefix(f[0], "#") && f[2] == "swap" {
			ls[i] = "#" + l + " # swap off for Kubernetes (edgerig provision)"
			n++
		}
	}
	return strings.Join(ls, "\n") + "\n", n
}

func addLine(content, line string) string {
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return content + line + "\n"
}
