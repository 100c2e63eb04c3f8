package provision

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/edgerig/edgerig/transport"
)

// fakeHost is a hand-written stand-in for a Debian host for fast unit
// tests of the unhappy paths: it interprets exactly the commands this
// package sends and keeps the state they change. The proof against real
// hosts is in the integration tests (container testbed, QEMU).
type fakeHost struct {
	mu        sync.Mutex
	os        string
	uid, user string
	hostname  string
	init      string
	container bool
	bootID    int
	files     map[string]string
	pkgs      map[string]bool
	procs     map[string]bool
	modules   map[string]bool
	groups    map[string]bool // groups of the user
	noNetwork bool
	cmds      []string // every command run, quoted
	closed    bool
}

func newFake() *fakeHost {
	return &fakeHost{
		os: "debian", uid: "0", user: "root", hostname: "raspberrypi", init: "systemd", bootID: 1,
		files: map[string]string{
			"/proc/swaps":                        "Filename Type Size Used Priority\n/var/swap file 102396 0 -2\n",
			"/etc/fstab":                         "proc /proc proc defaults 0 0\n/dev/mmcblk0p2 / ext4 defaults,noatime 0 1\n",
			"/proc/cgroups":                      "#subsys_name hierarchy num_cgroups enabled\ncpu 2 1 1\nmemory 0 1 0\n",
			"/proc/sys/net/ipv4/ip_forward":      "0\n",
			"/proc/sys/net/ipv4/tcp_fin_timeout": "60\n",
			"/etc/hosts":                         "127.0.0.1\tlocalhost\n127.0.1.1\traspberrypi\n",
		},
		pkgs: map[string]bool{}, procs: map[string]bool{"sshd": true}, modules: map[string]bool{}, groups: map[string]bool{},
	}
}

// unitOf is the systemd unit each package brings and the process it runs.
var unitOf = map[string][2]string{
	"chrony": {"chrony", "chronyd"}, "docker.io": {"docker", "dockerd"}, "containerd": {"containerd", "containerd"},
	"systemd-timesyncd": {"systemd-timesyncd", "systemd-timesyncd"}, "dphys-swapfile": {"dphys-swapfile", ""},
}

func (f *fakeHost) Close() error { f.closed = true; return nil }
func (f *fakeHost) Copy(context.Context, string, string, os.FileMode) error {
	return fmt.Errorf("fake: copy not used")
}

func (f *fakeHost) Run(ctx context.Context, c transport.Cmd) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cmds = append(f.cmds, transport.Quote(c.Args))
	args := c.Args
	if len(args) > 2 && args[0] == "sudo" && args[1] == "-n" {
		if f.uid == "0" {
			return f.exit(c, 1, "sudo: not needed for root")
		}
		args = args[2:]
	} else if f.uid != "0" && privileged(args) {
		return f.exit(c, 1, "permission denied")
	}
	out, code, msg := f.do(args, c.Stdin)
	if c.Stdout != nil {
		io.WriteString(c.Stdout, out)
	}
	if code != 0 {
		return f.exit(c, code, msg)
	}
	return nil
}

func privileged(args []string) bool {
	switch args[0] {
	case "env", "modprobe", "sysctl", "swapoff", "usermod", "hostname", "dphys-swapfile":
		return true
	case "systemctl":
		return len(args) > 1 && (args[1] == "enable" || args[1] == "disable")
	case "sh":
		return len(args) > 3 && args[3] == "edgerig-write"
	}
	return false
}

func (f *fakeHost) exit(c transport.Cmd, code int, msg string) error {
	if c.Stderr != nil {
		io.WriteString(c.Stderr, msg)
	}
	return &transport.ExitError{Host: "fake", Args: c.Args, Code: code}
}

func (f *fakeHost) do(args []string, stdin io.Reader) (string, int, string) {
	switch args[0] {
	case "sh":
		if len(args) < 4 {
			if args[2] == rebootScript {
				f.reboot()
				return "", 0, ""
			}
			return "", 2, "fake: unknown script"
		}
		switch args[3] {
		case "edgerig-facts":
			return f.facts(), 0, ""
		case "edgerig-read":
			if v, ok := f.files[args[4]]; ok {
				return "present\n" + v, 0, ""
			}
			return "absent\n", 0, ""
		case "edgerig-write":
			b, _ := io.ReadAll(stdin)
			if old, ok := f.files[args[4]]; ok {
				f.files[args[4]+".edgerig-backup"] = old
			}
			f.files[args[4]] = string(b)
			return "", 0, ""
		case "edgerig-which":
			for p, u := range map[string]string{"docker.io": "docker", "containerd": "containerd"} {
				if f.pkgs[p] && u == args[4] {
					return "/usr/bin/" + u + "\n", 0, ""
				}
			}
			return "", 1, ""
		}
	case "dpkg-query":
		if f.pkgs[args[3]] {
			return "install ok installed", 0, ""
		}
		return "", 1, "dpkg-query: no packages found matching " + args[3]
	case "env":
		apt := args[2:]
		if apt[len(apt)-1] == "update" {
			if f.noNetwork {
				return "", 100, "E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving"
			}
			return "", 0, ""
		}
		i := slices.Index(apt, "--no-install-recommends")
		for _, p := range apt[i+1:] {
			f.pkgs[p] = true
			if p == "chrony" {
				delete(f.pkgs, "systemd-timesyncd")
			}
		}
		return "", 0, ""
	case "systemctl":
		switch args[1] {
		case "list-unit-files":
			unit := strings.TrimSuffix(args[3], ".service")
			for p, u := range unitOf {
				if f.pkgs[p] && u[0] == unit {
					return args[3] + " disabled enabled\n", 0, ""
				}
			}
			return "", 1, ""
		case "enable":
			unit := strings.TrimSuffix(args[3], ".service")
			for p, u := range unitOf {
				if f.pkgs[p] && u[0] == unit {
					f.procs[u[1]] = true
					return "", 0, ""
				}
			}
			return "", 1, "Failed to enable unit: Unit file " + args[3] + " does not exist."
		case "is-enabled":
			if args[2] == "dphys-swapfile.service" && f.pkgs["dphys-swapfile"] && f.files["dphys-enabled"] == "yes" {
				return "enabled\n", 0, ""
			}
			return "disabled\n", 1, ""
		case "disable":
			delete(f.files, "dphys-enabled")
			return "", 0, ""
		}
	case "dphys-swapfile":
		return "", 0, ""
	case "test":
		if args[1] == "-e" {
			if _, ok := f.files[args[2]]; ok {
				return "", 0, ""
			}
			return "", 1, ""
		}
		if f.modules[strings.TrimPrefix(args[2], "/sys/module/")] {
			return "", 0, ""
		}
		return "", 1, ""
	case "modprobe":
		if f.container {
			return "", 1, "modprobe: FATAL: Module not found"
		}
		f.modules[args[2]] = true
		if args[2] == "br_netfilter" {
			f.files["/proc/sys/net/bridge/bridge-nf-call-iptables"] = "0\n"
		}
		return "", 0, ""
	case "sysctl":
		k, v, _ := strings.Cut(args[2], "=")
		p := "/proc/sys/" + strings.ReplaceAll(k, ".", "/")
		if _, ok := f.files[p]; !ok {
			return "", 255, "sysctl: cannot stat " + p + ": No such file or directory"
		}
		f.files[p] = v + "\n"
		return "", 0, ""
	case "swapoff":
		f.files["/proc/swaps"] = "Filename Type Size Used Priority\n"
		return "", 0, ""
	case "docker":
		switch {
		case !f.pkgs["docker.io"]:
			return "", 127, "sh: 1: docker: not found"
		case !f.procs["dockerd"]:
			return "", 1, "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
		case f.uid != "0" && !f.groups["docker"]:
			return "", 1, "permission denied while trying to connect to the Docker daemon socket"
		}
		return "24.0.7\n", 0, ""
	case "usermod":
		f.groups[args[2]] = true
		return "", 0, ""
	case "hostname":
		f.hostname = args[1]
		return "", 0, ""
	}
	return "", 127, "fake: command not known: " + strings.Join(args, " ")
}

func (f *fakeHost) facts() string {
	var b strings.Builder
	fmt.Fprintf(&b, "@@os\n%s\n\nbookworm\n@@uid\n%s\n%s\n@@hostname\n%s\n@@init\n%s\n", f.os, f.uid, f.user, f.hostname, f.init)
	fmt.Fprintf(&b, "@@container\n%s\n@@cmdline\n", map[bool]string{true: "yes", false: "no"}[f.container])
	if _, ok := f.files["/boot/firmware/cmdline.txt"]; ok {
		b.WriteString("/boot/firmware/cmdline.txt\n")
	}
	fmt.Fprintf(&b, "@@bootid\nboot-%d\n@@procs\n", f.bootID)
	var ps []string
	for p := range f.procs {
		ps = append(ps, p[:min(len(p), 15)]) // as /proc/PID/comm has it
	}
	sort.Strings(ps)
	for _, p := range ps {
		b.WriteString(p + "\n")
	}
	b.WriteString("@@end\n")
	return b.String()
}

// reboot is what a Pi does at boot: the memory cgroup follows cmdline.txt,
// modules and sysctls are reloaded from their files (here: kept), swap
// returns unless turned off persistently.
func (f *fakeHost) reboot() {
	f.bootID++
	mem := "0"
	if len(MissingFlags(f.files["/boot/firmware/cmdline.txt"], CgroupFlags)) == 0 {
		mem = "1"
	}
	f.files["/proc/cgroups"] = "#subsys_name hierarchy num_cgroups enabled\ncpu 2 1 1\nmemory 0 1 " + mem + "\n"
}
