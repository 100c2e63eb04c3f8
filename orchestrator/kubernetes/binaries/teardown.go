package binaries

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// killCgroupScript kills every process in the cgroup tree $1 in each
// hierarchy (v1 controllers and the v2 unified tree) and removes the tree,
// retrying while the runtime reaps what it killed.
const killCgroupScript = `cg=${1#/}
dirs() { for h in /sys/fs/cgroup /sys/fs/cgroup/*; do [ -d "$h/$cg" ] && echo "$h/$cg"; done; }
i=0
while [ $i -lt 20 ]; do
  i=$((i+1))
  left=$(dirs)
  [ -z "$left" ] && exit 0
  for d in $left; do find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null; done
  sleep 0.3
  for d in $left; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
done
echo "cgroups left: $(dirs | tr '\n' ' ')" >&2
exit 1`

// killMatchingScript kills every process whose command line contains $1
// (the containerd socket's directory: the shims name it), other than this
// shell and its parent.
const killMatchingScript = `for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ "$pid" = $$ ] || [ "$pid" = "$PPID" ] && continue
  if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1"; then kill -KILL "$pid" 2>/dev/null; fi
done
sleep 0.3
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ "$pid" = $$ ] || [ "$pid" = "$PPID" ] && continue
  if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1"; then echo "pid $pid still runs: $(tr '\0' ' ' <"$p/cmdline")" >&2; fail=1; fi
done
exit ${fail:-0}`

// unmountScript unmounts everything mounted under $1 or $2 (the kubelet's
// volumes, containerd's sandbox mounts) and the pods' network namespaces,
// deepest first, lazily when a mount is still busy.
const unmountScript = `list() { awk -v a="$1" -v b="$2" '$2==a || index($2, a "/")==1 || $2==b || index($2, b "/")==1 || index($2, "/run/netns/cni-")==1 {print $2}' /proc/mounts | sort -r; }
i=0
while [ $i -lt 3 ]; do
  i=$((i+1))
  m=$(list "$1" "$2")
  [ -z "$m" ] && break
  for x in $m; do umount "$x" 2>/dev/null || umount -l "$x" 2>/dev/null; done
done
rm -f /run/netns/cni-* 2>/dev/null
m=$(list "$1" "$2")
[ -z "$m" ] || { echo "still mounted: $m" >&2; exit 1; }`

// chainsScript removes the chains kube-proxy, the kubelet and the CNI
// plugins made (KUBE-*, CNI-*) from every table, after deleting the rules
// in other chains that jump to them. Docker's chains are left alone.
const chainsScript = `for ipt in iptables ip6tables; do
  command -v $ipt >/dev/null 2>&1 || continue
  for t in filter nat mangle raw; do
    $ipt -t $t -S >/dev/null 2>&1 || continue
    $ipt -t $t -S | grep -E -- '-j (KUBE|CNI)-' | grep -vE '^-A (KUBE|CNI)-' | sed 's/^-A /-D /' | while read -r r; do eval "$ipt -t $t $r" || echo "$ipt -t $t $r failed" >&2; done
    chains=$($ipt -t $t -S | awk '/^-N (KUBE|CNI)-/ {print $2}')
    for c in $chains; do $ipt -t $t -F "$c"; done
    for c in $chains; do $ipt -t $t -X "$c" || { echo "$ipt -t $t: chain $c stays" >&2; fail=1; }; done
  done
done
exit ${fail:-0}`

// ifaceScript deletes the bridge $1 and every port still attached to it.
const ifaceScript = `ip link show "$1" >/dev/null 2>&1 || exit 0
for v in $(ip -o link show master "$1" | awk -F': ' '{print $2}' | cut -d@ -f1); do ip link del "$v"; done
ip link del "$1"`

const routeScript = `if [ -n "$(ip route show "$1")" ]; then ip route del "$1"; fi`

const sysctlScript = `sysctl -q -w "$1=$2"`

const removeScript = `rm -rf -- "$@"`

// step is one thing teardown does on a node.
type step struct {
	what   string
	script string
	args   []string
}

// teardownSteps turns a node's state file into the steps that undo it, in
// an order where nothing is recreated behind the steps' backs: the kubelet
// and kube-proxy stop first, then the pods (by cgroup), then containerd and
// its shims, then the control plane; then mounts, chains, interfaces,
// routes, kernel settings and files.
func teardownSteps(l Layout, es []entry, stopWait time.Duration) []step {
	wait := strconv.Itoa(max(1, int(stopWait.Seconds())))
	var daemons []entry
	var cgroups, paths []string
	var tail []step
	chains, netns := false, false
	for _, e := range es {
		switch e.Kind {
		case entryDaemon:
			if len(e.Fields) == 2 {
				daemons = append(daemons, e)
			}
		case entryCgroup:
			cgroups = append(cgroups, e.Fields...)
		case entryPath:
			paths = append(paths, e.Fields...)
		case entryChains:
			chains = true
		case entryNetNS:
			netns = true
		case entryIface:
			for _, f := range e.Fields {
				tail = append(tail, step{"delete interface " + f, ifaceScript, []string{f}})
			}
		case entryRoute:
			for _, f := range e.Fields {
				tail = append(tail, step{"delete route " + f, routeScript, []string{f}})
			}
		case entrySysctl:
			if len(e.Fields) == 2 {
				tail = append(tail, step{"restore " + e.Fields[0], sysctlScript, e.Fields})
			}
		}
	}
	var steps []step
	stopped := map[string]bool{}
	for i := len(daemons) - 1; i >= 0; i-- {
		name, pidf := daemons[i].Fields[0], daemons[i].Fields[1]
		if stopped[name] {
			continue
		}
		stopped[name] = true
		if name == "containerd" {
			for _, cg := range cgroups {
				steps = append(steps, step{"kill the pods in cgroup " + cg, killCgroupScript, []string{cg}})
			}
			cgroups = nil
		}
		steps = append(steps, step{"stop " + name, stopScript, []string{pidf, name, wait}})
		if name == "containerd" {
			steps = append(steps, step{"kill containerd's shims", killMatchingScript, []string{l.ContainerdState()}})
		}
	}
	for _, cg := range cgroups {
		steps = append(steps, step{"kill the pods in cgroup " + cg, killCgroupScript, []string{cg}})
	}
	if len(paths) > 0 || netns {
		steps = append(steps, step{"unmount", unmountScript, []string{l.Dir, l.Run}})
	}
	if chains {
		steps = append(steps, step{"remove iptables chains", chainsScript, nil})
	}
	steps = append(steps, tail...)
	if len(paths) > 0 {
		steps = append(steps, step{"remove files", removeScript, paths})
	}
	return steps
}

// teardownNode undoes what the state file on t records, running every step
// even after one fails. The state file goes last and only when every step
// worked, so a failed teardown is finished by the next one.
func teardownNode(ctx context.Context, t runner, l Layout, perStep time.Duration) error {
	es, err := readState(ctx, t, l)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return nil
	}
	var errs []error
	// A daemon gets half a step to stop on SIGTERM (at most 10 s), then
	// SIGKILL: the whole stop must fit in the step's time.
	for _, s := range teardownSteps(l, es, min(10*time.Second, perStep/2)) {
		if _, err := sh(ctx, t, s.script, s.args...); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.what, err))
		}
	}
	if len(errs) == 0 {
		if _, err := sh(ctx, t, removeScript, l.StateFile()); err != nil {
			errs = append(errs, fmt.Errorf("removing the state file: %w", err))
		}
	} else {
		errs = append(errs, fmt.Errorf("left behind (as listed in %s): %s", l.StateFile(), describe(es)))
	}
	return errors.Join(errs...)
}

// describe summarises state entries for an error message.
func describe(es []entry) string {
	var parts []string
	for _, e := range es {
		parts = append(parts, strings.TrimSpace(e.Kind+" "+strings.Join(e.Fields, " ")))
	}
	return strings.Join(parts, "; ")
}
