// Package provision makes a host ready for an experiment: each part of a
// spec (the probe, an orchestrator, the word count, the spec's own
// additions, and the clock every experiment needs) declares requirements,
// each of which can be checked (ok, or missing with what was found) and
// applied (ok, changed or failed), over a transport, on hosts in parallel.
//
// `edgerig run` checks them before set-up and refuses a host that lacks
// one; `edgerig provision` makes them true. Every command is an argument
// vector: the few shell scripts here are constants that take spec values
// only as positional arguments ("$1"), never spliced into their text.
package provision

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/edgerig/edgerig/transport"
)

// runner is what provisioning needs of a transport.
type runner interface {
	Run(ctx context.Context, c transport.Cmd) error
}

// Host is one host being checked or provisioned: its connection and what
// was learned of it (refreshed by Learn after changes).
type Host struct {
	Name string // the inventory name
	t    runner

	OS        string   // os-release ID (debian, raspbian, ubuntu, fedora, ...)
	OSLike    []string // os-release ID_LIKE
	Codename  string
	UID       string
	User      string
	Hostname  string
	Init      string // /proc/1/comm: systemd, or something else (a container's entrypoint)
	Container bool   // the host is a container: its kernel is the machine's
	Cmdline   string // the Pi firmware's cmdline.txt, "" when there is none
	BootID    string
	Procs     map[string]bool // comm names of running processes

	aptUpdated bool
}

// NewHost wraps a connection to the inventory host name.
func NewHost(name string, t runner) *Host { return &Host{Name: name, t: t} }

// factsScript prints what provisioning needs to know of a host, each part
// after a "@@name" line. It takes no arguments.
const factsScript = `echo @@os; if [ -r /etc/os-release ]; then . /etc/os-release; fi; echo "${ID:-unknown}"; echo "${ID_LIKE:-}"; echo "${VERSION_CODENAME:-}"
echo @@uid; id -u; id -un
echo @@hostname; cat /proc/sys/kernel/hostname
echo @@init; cat /proc/1/comm 2>/dev/null
echo @@container; if [ -e /.dockerenv ] || [ -e /run/.containerenv ]; then echo yes; else echo no; fi
echo @@cmdline; for f in /boot/firmware/cmdline.txt /boot/cmdline.txt; do if [ -f "$f" ]; then echo "$f"; break; fi; done
echo @@bootid; cat /proc/sys/kernel/random/boot_id
echo @@procs; cat /proc/[0-9]*/comm 2>/dev/null
echo @@end
`

// Learn (re)reads the host's facts.
func (h *Host) Learn(ctx context.Context) error {
	out, err := h.output(ctx, "sh", "-c", factsScript, "edgerig-facts")
	if err != nil {
		return fmt.Errorf("%s: learn the host: %w", h.Name, err)
	}
	s := sections(out)
	if _, ok := s["end"]; !ok {
		return fmt.Errorf("%s: learn the host: output ends early: %.200q", h.Name, out)
	}
	osl := lines(s["os"])
	for len(osl) < 3 {
		osl = append(osl, "")
	}
	h.OS, h.OSLike, h.Codename = osl[0], strings.Fields(osl[1]), osl[2]
	u := lines(s["uid"])
	for len(u) < 2 {
		u = append(u, "")
	}
	h.UID, h.User = u[0], u[1]
	h.Hostname = first(s["hostname"])
	h.Init = first(s["init"])
	h.Container = first(s["container"]) == "yes"
	h.Cmdline = first(s["cmdline"])
	h.BootID = first(s["bootid"])
	h.Procs = map[string]bool{}
	for _, p := range lines(s["procs"]) {
		h.Procs[p] = true
	}
	return nil
}

// Running reports whether a process named name runs. The kernel keeps
// only the first 15 bytes of a name (systemd-timesyncd is
// "systemd-timesyn" in /proc/PID/comm).
func (h *Host) Running(name string) bool {
	if len(name) > 15 {
		name = name[:15]
	}
	return h.Procs[name]
}

// Apt reports whether the host's distribution uses apt, the only package
// manager edgerig drives.
func (h *Host) Apt() bool {
	for _, id := range append([]string{h.OS}, h.OSLike...) {
		switch id {
		case "debian", "raspbian", "ubuntu":
			return true
		}
	}
	return false
}

// errUnsupported is a host whose distribution edgerig cannot provision.
var errUnsupported = errors.New("unsupported distribution")

func (h *Host) needApt() error {
	if h.Apt() {
		return nil
	}
	return fmt.Errorf("%w %q: edgerig installs packages with apt (Debian, Raspberry Pi OS, Ubuntu); install them by hand", errUnsupported, h.OS)
}

// Systemd reports whether systemd runs the host, so services can be enabled.
func (h *Host) Systemd() bool { return h.Init == "systemd" }

// run runs args on the host, through sudo -n when the user is not root.
func (h *Host) run(ctx context.Context, args ...string) error {
	var tail transport.Tail
	err := h.t.Run(ctx, transport.Cmd{Args: h.priv(args), Stderr: &tail})
	return withStderr(err, &tail)
}

// output runs args unprivileged and returns their stdout.
func (h *Host) output(ctx context.Context, args ...string) (string, error) {
	var out strings.Builder
	var tail transport.Tail
	err := h.t.Run(ctx, transport.Cmd{Args: args, Stdout: &out, Stderr: &tail})
	return out.String(), withStderr(err, &tail)
}

// withStderr puts captured stderr into an exit error that lacks it.
func withStderr(err error, tail *transport.Tail) error {
	var ee *transport.ExitError
	if errors.As(err, &ee) && ee.Stderr == "" {
		ee.Stderr = tail.String()
	}
	return err
}

func (h *Host) priv(args []string) []string {
	if h.UID == "0" || h.UID == "" {
		return args
	}
	return append([]string{"sudo", "-n"}, args...)
}

// readFile returns a file's content; a missing file is "" and no error.
func (h *Host) readFile(ctx context.Context, path string) (string, bool, error) {
	out, err := h.output(ctx, "sh", "-c", readScript, "edgerig-read", path)
	if err != nil {
		return "", false, fmt.Errorf("read %s: %w", path, err)
	}
	if strings.HasPrefix(out, "absent\n") {
		return "", false, nil
	}
	return strings.TrimPrefix(out, "present\n"), true, nil
}

const readScript = `if [ -e "$1" ]; then echo present; cat -- "$1"; else echo absent; fi`

// writeScript replaces $1 with stdin atomically: a temporary file beside
// it, then rename; what it replaces is kept as $1.edgerig-backup. chmod
// may fail on a FAT boot partition, which has no modes.
const writeScript = `set -e
f=$1; t="$f.edgerig-tmp"
mkdir -p -- "$(dirname -- "$f")"
cat > "$t"
chmod "$2" "$t" 2>/dev/null || true
if [ -e "$f" ]; then cp -p -- "$f" "$f.edgerig-backup"; fi
mv -f -- "$t" "$f"
sync`

// writeFile replaces path with content atomically, keeping a backup.
func (h *Host) writeFile(ctx context.Context, path, content, mode string) error {
	var tail transport.Tail
	err := h.t.Run(ctx, transport.Cmd{
		Args:   h.priv([]string{"sh", "-c", writeScript, "edgerig-write", path, mode}),
		Stdin:  strings.NewReader(content),
		Stderr: &tail,
	})
	if err != nil {
		return fmt.Errorf("write %s: %w", path, withStderr(err, &tail))
	}
	return nil
}

// exitCode is the exit status of a command that ran, -1 for other errors.
func exitCode(err error) int {
	var ee *transport.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return -1
}

func sections(out string) map[string]string {
	m := map[string]string{}
	name := ""
	var b strings.Builder
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "@@") && !strings.ContainsAny(line, " \t") {
			if name != "" {
				m[name] = b.String()
			}
			b.Reset()
			name = line[2:]
			continue
		}
		b.WriteString(line + "\n")
	}
	if name != "" {
		m[name] = b.String()
	}
	return m
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	if len(out) == 1 && out[0] == "" {
		return nil
	}
	return out
}

func first(s string) string {
	if l := lines(s); len(l) > 0 {
		return l[0]
	}
	return ""
}
