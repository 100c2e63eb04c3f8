package provision

import (
	"context"
	"fmt"
	"strings"
)

// Requirement is one thing a host must have for an experiment.
type Requirement interface {
	// Name says what is required, e.g. "package chrony" or
	// "sysctl net.ipv4.ip_forward=1"; it is unique within a host's list.
	Name() string
	// Check looks without changing anything. An error means it could not
	// tell (a command failed), not that the requirement is unmet.
	Check(ctx context.Context, h *Host) (Finding, error)
	// Apply makes the requirement true. reboot says the change takes
	// effect only after the host restarts (a boot flag).
	Apply(ctx context.Context, h *Host) (reboot bool, err error)
}

// Finding is what Check saw: whether the requirement holds, and what was
// found (shown for a missing requirement: "not installed").
type Finding struct {
	OK    bool
	Found string
}

func ok(found string) (Finding, error)      { return Finding{OK: true, Found: found}, nil }
func missing(found string) (Finding, error) { return Finding{Found: found}, nil }

// pkg is a Debian package, present when dpkg has it installed (or, when
// cmd is set, when that command is found: Docker may come from docker-ce).
type pkg struct {
	name string
	cmd  string
}

func (p pkg) Name() string { return "package " + p.name }

func (p pkg) Check(ctx context.Context, h *Host) (Finding, error) {
	if p.cmd != "" {
		if _, err := h.output(ctx, "sh", "-c", `command -v -- "$1"`, "edgerig-which", p.cmd); err == nil {
			return ok(p.cmd + " found")
		}
	}
	if err := h.needApt(); err != nil {
		return Finding{}, err
	}
	return checkDpkg(ctx, h, p.name)
}

func checkDpkg(ctx context.Context, h *Host, name string) (Finding, error) {
	out, err := h.output(ctx, "dpkg-query", "-W", "-f=${Status}", name)
	if err != nil && exitCode(err) < 0 {
		return Finding{}, err
	}
	if strings.HasSuffix(strings.TrimSpace(out), " installed") {
		return ok("installed")
	}
	return missing("not installed")
}

func (p pkg) Apply(ctx context.Context, h *Host) (bool, error) {
	return false, h.install(ctx, p.name)
}

// install installs Debian packages, refreshing apt's lists once per run.
func (h *Host) install(ctx context.Context, names ...string) error {
	if err := h.needApt(); err != nil {
		return err
	}
	apt := []string{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "-q", "-y", "-o", "DPkg::Lock::Timeout=300"}
	if !h.aptUpdated {
		if err := h.run(ctx, append(apt, "update")...); err != nil {
			return fmt.Errorf("apt-get update (does the host reach its package mirror?): %w", err)
		}
		h.aptUpdated = true
	}
	args := append(append(apt, "install", "--no-install-recommends"), names...)
	if err := h.run(ctx, args...); err != nil {
		return fmt.Errorf("install %s: %w", strings.Join(names, " "), err)
	}
	return nil
}

// service is a daemon that must run: one of procs is running. Apply
// installs pkg if none of units is installed, then enables and starts the
// first installed unit with systemd.
type service struct {
	what  string   // "clock synchronised by an NTP client"
	procs []string // chronyd, systemd-timesyncd
	units []string // chrony, systemd-timesyncd
	pkg   string   // chrony
}

func (s service) Name() string { return s.what }

func (s service) Check(ctx context.Context, h *Host) (Finding, error) {
	for _, p := range s.procs {
		if h.Running(p) {
			return ok(p + " running")
		}
	}
	return missing("none of " + strings.Join(s.procs, ", ") + " running")
}

func (s service) Apply(ctx context.Context, h *Host) (bool, error) {
	if !h.Systemd() {
		return false, fmt.Errorf("no systemd on the host (PID 1 is %q) to start %s: start it by hand", h.Init, strings.Join(s.units, " or "))
	}
	unit := ""
	for _, u := range s.units {
		if out, _ := h.output(ctx, "systemctl", "list-unit-files", "--no-legend", u+".service"); strings.TrimSpace(out) != "" {
			unit = u
			break
		}
	}
	if unit == "" {
		if err := h.install(ctx, s.pkg); err != nil {
			return false, err
		}
		unit = s.units[0]
	}
	if err := h.run(ctx, "systemctl", "enable", "--now", unit+".service"); err != nil {
		return false, fmt.Errorf("start %s: %w", unit, err)
	}
	return false, nil
}

// clock is the requirement of every experiment: a synchronised clock, so
// that the runner's offset corrections stay small and steady. A container
// shares its machine's clock, which edgerig cannot see from inside.
type clock struct{ service }

func newClock() clock {
	return clock{service{
		what:  "clock synchronised by an NTP client",
		procs: []string{"chronyd", "systemd-timesyncd", "ntpd", "openntpd"},
		units: []string{"chrony", "systemd-timesyncd"},
		pkg:   "chrony",
	}}
}

func (c clock) Check(ctx context.Context, h *Host) (Finding, error) {
	if h.Container {
		return ok("a container: its clock is its machine's")
	}
	return c.service.Check(ctx, h)
}

// dockerAccess is a Docker engine the connecting user can use without sudo.
type dockerAccess struct{}

func (dockerAccess) Name() string { return "docker usable by the user" }

func (dockerAccess) Check(ctx context.Context, h *Host) (Finding, error) {
	_, err := h.output(ctx, "docker", "info", "--format", "{{.ServerVersion}}")
	if err == nil {
		return ok("docker info answers")
	}
	if exitCode(err) < 0 && !strings.Contains(err.Error(), "not found") {
		return Finding{}, err
	}
	msg := err.Error()
	switch {
	case exitCode(err) == 127 || strings.Contains(msg, "not found"):
		return missing("docker not installed")
	case strings.Contains(msg, "permission denied"):
		return missing("user " + h.User + " may not use the Docker socket")
	}
	return missing("docker info fails: " + lastLine(msg))
}

func (dockerAccess) Apply(ctx context.Context, h *Host) (bool, error) {
	if h.UID == "0" {
		return false, fmt.Errorf("root cannot use Docker: is the engine running? (docker info fails)")
	}
	if err := h.run(ctx, "usermod", "-aG", "docker", h.User); err != nil {
		return false, fmt.Errorf("add %s to group docker: %w", h.User, err)
	}
	return false, nil
}

func lastLine(s string) string {
	l := lines(s)
	if len(l) == 0 {
		return ""
	}
	return l[len(l)-1]
}
