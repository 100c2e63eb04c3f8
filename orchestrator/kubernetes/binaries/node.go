package binaries

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/edgerig/edgerig/transport"
)

// runner is what the driver needs of a node's transport.
type runner interface {
	Run(ctx context.Context, c transport.Cmd) error
	Copy(ctx context.Context, src, dst string, perm os.FileMode) error
}

// sh runs a POSIX shell script on t with args as $1...; the script is a
// constant of this package, the args are data and stay literal.
func sh(ctx context.Context, t runner, script string, args ...string) (string, error) {
	var out strings.Builder
	var errb transport.Tail
	err := t.Run(ctx, transport.Cmd{Args: append([]string{"sh", "-c", script, "sh"}, args...), Stdout: &out, Stderr: &errb})
	if err != nil && !strings.Contains(err.Error(), strings.TrimSpace(errb.String())) {
		err = fmt.Errorf("%w: %s", err, strings.TrimSpace(errb.String()))
	}
	return out.String(), err
}

// State file entries. Each line of the state file is a kind and its
// fields, written before the thing it names is made.
const (
	entryPath   = "path"   // path P: removed (after unmounting anything under it)
	entryDaemon = "daemon" // daemon NAME PIDFILE: killed
	entryRoute  = "route"  // route CIDR: deleted
	entrySysctl = "sysctl" // sysctl KEY VALUE: restored to the value it had
	entryCgroup = "cgroup" // cgroup PATH: its processes killed, its tree removed
	entryIface  = "iface"  // iface NAME: the bridge and its ports deleted
	entryNetNS  = "netns"  // netns: the pods' network namespaces unmounted
	entryChains = "chains" // chains: the KUBE-* and CNI-* iptables chains removed
)

// record appends lines to the node's state file, and syncs it, before the
// caller makes what they name.
func record(ctx context.Context, t runner, l Layout, lines ...string) error {
	_, err := sh(ctx, t, `f=$1; shift; printf '%s\n' "$@" >>"$f" && sync "$f"`, append([]string{l.StateFile()}, lines...)...)
	if err != nil {
		return fmt.Errorf("recording %q in the state file %s: %w", lines, l.StateFile(), err)
	}
	return nil
}

// entry is one parsed line of the state file.
type entry struct {
	Kind   string
	Fields []string
}

// readState returns the node's state file; none (and no error) when it
// does not exist: nothing was made there.
func readState(ctx context.Context, t runner, l Layout) ([]entry, error) {
	out, err := sh(ctx, t, `if [ -e "$1" ]; then cat "$1"; fi`, l.StateFile())
	if err != nil {
		return nil, &stateReadError{path: l.StateFile(), err: err}
	}
	return parseState(out), nil
}

func parseState(s string) []entry {
	var es []entry
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		es = append(es, entry{Kind: f[0], Fields: f[1:]})
	}
	return es
}

// startScript starts "$@" as a daemon in its own session, its output
// appended to $2 and its pid in $1, and returns once the pid file is
// written. It refuses to start a second copy of a running daemon.
const startScript = `pidf=$1 log=$2; shift 2
mkdir -p "$(dirname "$pidf")" "$(dirname "$log")"
if [ -s "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then echo "already running as pid $(cat "$pidf")" >&2; exit 1; fi
rm -f "$pidf"
setsid sh -c 'echo $$ >"$0.tmp" && mv "$0.tmp" "$0" && exec "$@"' "$pidf" "$@" </dev/null >>"$log" 2>&1 &
i=0; while [ ! -s "$pidf" ]; do i=$((i+1)); [ $i -gt 100 ] && { echo "no pid file after 10s" >&2; exit 1; }; sleep 0.1; done`

// stopScript stops the daemon whose pid is in $1 if its command line still
// names $2 (a pid file can outlive its process and the pid be reused):
// SIGTERM, up to $3 seconds, then SIGKILL.
const stopScript = `pidf=$1 name=$2 wait=$3
[ -s "$pidf" ] || exit 0
pid=$(cat "$pidf")
if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$name"; then
  kill -TERM "$pid" 2>/dev/null
  i=0; while kill -0 "$pid" 2>/dev/null && [ $i -lt $((wait*10)) ]; do i=$((i+1)); sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; sleep 0.2; fi
  if kill -0 "$pid" 2>/dev/null; then echo "pid $pid ($name) survived SIGKILL" >&2; exit 1; fi
fi
rm -f "$pidf"`

func startDaemon(ctx context.Context, t runner, l Layout, d daemon) error {
	if _, err := sh(ctx, t, startScript, append([]string{l.Pid(d.Name), l.Log(d.Name)}, d.Args...)...); err != nil {
		return fmt.Errorf("starting %s: %w", d.Name, err)
	}
	return nil
}

// waitFor runs check until it succeeds, every interval, until ctx ends or
// limit passes; the last error says why it was not ready.
func waitFor(ctx context.Context, what string, limit, interval time.Duration, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last error
	for {
		cctx, ccancel := context.WithTimeout(ctx, 20*time.Second)
		last = check(cctx)
		ccancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: not ready within %s (%w): %v", what, limit, ctx.Err(), last)
		case <-time.After(interval):
		}
	}
}

// kubectl runs kubectl on the master with the admin credentials.
func kubectl(ctx context.Context, t runner, l Layout, stdin string, args ...string) (string, error) {
	var out strings.Builder // JSON: must be whole (the cluster's size bounds it)
	var errb transport.Tail
	c := transport.Cmd{Args: append([]string{l.Bin("kubectl"), "--kubeconfig=" + l.Etc("admin.kubeconfig")}, args...), Stdout: &out, Stderr: &errb}
	if stdin != "" {
		c.Stdin = strings.NewReader(stdin)
	}
	if err := t.Run(ctx, c); err != nil {
		return out.String(), fmt.Errorf("kubectl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

type transportCmd = transport.Cmd

// stateReadError is a node whose state file could not be read: the node
// is unreachable, or its shell is broken.
type stateReadError struct {
	path string
	err  error
}

func (e *stateReadError) Error() string {
	return "reading the state file " + e.path + ": " + e.err.Error()
}
func (e *stateReadError) Unwrap() error { return e.err }
