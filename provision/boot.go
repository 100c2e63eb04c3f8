package provision

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

// memoryCgroup is a memory cgroup controller the kernel has enabled. On a
// Raspberry Pi it takes the boot flags CgroupFlags in the firmware's
// cmdline.txt and a reboot; elsewhere edgerig cannot set the kernel's
// command line and says how to.
type memoryCgroup struct{}

func (memoryCgroup) Name() string { return "memory cgroup (" + strings.Join(CgroupFlags, " ") + ")" }

func (memoryCgroup) Check(ctx context.Context, h *Host) (Finding, error) {
	enabled, err := memoryEnabled(ctx, h)
	if err != nil {
		return Finding{}, err
	}
	if h.Cmdline == "" {
		if enabled {
			return ok("enabled")
		}
		return missing("disabled, and no cmdline.txt")
	}
	line, _, err := h.readFile(ctx, h.Cmdline)
	if err != nil {
		return Finding{}, err
	}
	lack := MissingFlags(line, CgroupFlags)
	switch {
	case len(lack) > 0 && enabled:
		return missing("enabled now, but " + h.Cmdline + " lacks " + strings.Join(lack, " "))
	case len(lack) > 0:
		return missing("disabled; " + h.Cmdline + " lacks " + strings.Join(lack, " "))
	case !enabled:
		return missing("disabled until a reboot (" + h.Cmdline + " has the flags)")
	}
	return ok("enabled, flags in " + h.Cmdline)
}

func (memoryCgroup) Apply(ctx context.Context, h *Host) (bool, error) {
	if h.Cmdline == "" {
		return false, fmt.Errorf("the memory cgroup is disabled and there is no /boot/firmware/cmdline.txt or /boot/cmdline.txt: add %s to the kernel command line with the host's boot loader, then reboot", strings.Join(CgroupFlags, " "))
	}
	if err := notInContainer(h, "editing "+h.Cmdline); err != nil {
		return false, err
	}
	line, _, err := h.readFile(ctx, h.Cmdline)
	if err != nil {
		return false, err
	}
	if len(MissingFlags(line, CgroupFlags)) > 0 || strings.Count(strings.TrimSuffix(line, "\n"), "\n") > 0 {
		if err := h.writeFile(ctx, h.Cmdline, AddFlags(line, CgroupFlags), "0755"); err != nil {
			return false, err
		}
	}
	return true, nil
}

// memoryEnabled reads whether the memory controller is on: cgroup v2's
// root cgroup.controllers, else the "enabled" column of /proc/cgroups.
func memoryEnabled(ctx context.Context, h *Host) (bool, error) {
	ctrl, v2, err := h.readFile(ctx, "/sys/fs/cgroup/cgroup.controllers")
	if err != nil {
		return false, err
	}
	if v2 {
		return strings.Contains(" "+strings.Join(strings.Fields(ctrl), " ")+" ", " memory "), nil
	}
	cg, _, err := h.readFile(ctx, "/proc/cgroups")
	if err != nil {
		return false, err
	}
	return MemoryInProcCgroups(cg), nil
}

// MemoryInProcCgroups reports whether /proc/cgroups lists the memory
// controller as enabled (its fourth column).
func MemoryInProcCgroups(s string) bool {
	for _, l := range lines(s) {
		f := strings.Fields(l)
		if len(f) >= 4 && f[0] == "memory" {
			return f[3] == "1"
		}
	}
	return false
}

// uniqueHostname is a host name no other host of the testbed has: Swarm
// and Kubernetes name their nodes by it, and eight Pis flashed from one
// card are all "raspberrypi". Apply names the host as the inventory does.
type uniqueHostname struct {
	// names has the host names of every host of the testbed.
	names *hostnames
}

func (uniqueHostname) Name() string { return "unique hostname" }

func (u uniqueHostname) Check(ctx context.Context, h *Host) (Finding, error) {
	if n := 1 + u.names.others(h.Name, h.Hostname); n > 1 {
		return missing(fmt.Sprintf("%q, shared by %d hosts", h.Hostname, n))
	}
	return ok(h.Hostname)
}

var hostnameRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

func (u uniqueHostname) Apply(ctx context.Context, h *Host) (bool, error) {
	if !hostnameRE.MatchString(h.Name) {
		return false, fmt.Errorf("inventory name %q is not a valid host name (letters, digits, '-'): rename the host by hand", h.Name)
	}
	if err := notInContainer(h, "renaming the host"); err != nil {
		return false, err
	}
	if err := h.writeFile(ctx, "/etc/hostname", h.Name+"\n", "0644"); err != nil {
		return false, err
	}
	if err := h.run(ctx, "hostname", h.Name); err != nil {
		return false, fmt.Errorf("hostname: %w", err)
	}
	// sudo resolves the host's own name: keep /etc/hosts in step, as
	// Raspberry Pi OS's own renaming does (127.0.1.1).
	hosts, _, err := h.readFile(ctx, "/etc/hosts")
	if err != nil {
		return false, err
	}
	if err := h.writeFile(ctx, "/etc/hosts", SetLoopbackName(hosts, h.Name), "0644"); err != nil {
		return false, err
	}
	h.Hostname = h.Name
	return false, nil
}

// SetLoopbackName points 127.0.1.1 at name in /etc/hosts, replacing the
// line that is there or adding one.
func SetLoopbackName(hosts, name string) string {
	ls := lines(hosts)
	for i, l := range ls {
		if f := strings.Fields(l); len(f) > 0 && f[0] == "127.0.1.1" {
			ls[i] = "127.0.1.1\t" + name
			return strings.Join(ls, "\n") + "\n"
		}
	}
	return strings.Join(append(ls, "127.0.1.1\t"+name), "\n") + "\n"
}
