package binaries

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/edgerig/edgerig/orchestrator"
)

// leftoverScript prints one line per thing a cluster of this driver leaves
// on the node: processes (any with the layout's directories on its command
// line, or a Kubernetes component by name), pod cgroups, mounts, iptables
// chains, the CNI bridge and the pods' network namespaces, directories and
// the state file, and routes into the pod CIDR ($4, as a prefix like
// "10.244."). $1 and $2 are the layout's directories, $3 the state file,
// $5 the node's kubepods cgroup.
const leftoverScript = `dir=$1 run=$2 state=$3 pods=$4 kubepods=${5#/}
for p in /proc/[0-9]*; do
  pid=${p#/proc/}
  [ "$pid" = $$ ] || [ "$pid" = "$PPID" ] && continue
  cmd=$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null) || continue
  exe=$(basename "$(readlink "$p/exe" 2>/dev/null)" 2>/dev/null)
  case "$exe" in kube-apiserver|kube-controller-manager|kube-scheduler|kubelet|kube-proxy|etcd|coredns|edgerig-pod) echo "process: $pid $cmd"; continue;; esac
  case "$cmd" in *"$dir"*|*"$run"*) echo "process: $pid $cmd";; esac
done
for h in /sys/fs/cgroup /sys/fs/cgroup/*; do [ -d "$h/$kubepods" ] && echo "cgroup: $h/$kubepods"; done
awk -v a="$dir" -v b="$run" '$2==a || index($2, a "/")==1 || $2==b || index($2, b "/")==1 || index($2, "/run/netns/cni-")==1 || index($2, "/var/lib/kubelet")==1 {print "mount: " $2}' /proc/mounts
for ipt in iptables ip6tables; do
  command -v $ipt >/dev/null 2>&1 || continue
  for t in filter nat mangle raw; do
    $ipt -t $t -S 2>/dev/null | awk -v i=$ipt -v t=$t '/^-N (KUBE|CNI)-/ {print "chain: " i " " t " " $2}'
  done
done
ip -o link show 2>/dev/null | awk -F': ' '$2 ~ /^cni0(@|$)/ || $3 ~ /master cni0 / {print "interface: " $2}'
for f in /run/netns/cni-*; do [ -e "$f" ] && echo "netns: $f"; done
for f in "$dir" "$run" "$state"; do [ -e "$f" ] && echo "file: $f"; done
ls /var/lib/cni/results 2>/dev/null | grep '^edgerig-' | sed 's|^|file: /var/lib/cni/results/|'
ip route show 2>/dev/null | grep "^$pods" | sed 's/^/route: /'
true`

// Leftovers reports, per node, what a cluster set up by this driver (with
// cfg's layout and pod CIDR) left there; a node with nothing left is not
// in the map. Tests use it after Teardown; it is also how a user checks a
// node by hand. A node that cannot be checked is reported by the error.
func Leftovers(ctx context.Context, cfg Config, nodes []orchestrator.Node) (map[string][]string, error) {
	d := New(cfg)
	l := d.cfg.Layout
	prefix := podCIDRPrefix(d.cfg.PodCIDR)
	var mu sync.Mutex
	left := map[string][]string{}
	err := eachNode(nodes, func(_ int, n orchestrator.Node) error {
		out, err := sh(ctx, n.T, leftoverScript, l.Dir, l.Run, l.StateFile(), prefix, "/kubepods")
		if err != nil {
			return fmt.Errorf("checking for leftovers: %w", err)
		}
		var lines []string
		for _, s := range strings.Split(out, "\n") {
			if s = strings.TrimSpace(s); s != "" {
				lines = append(lines, s)
			}
		}
		if len(lines) > 0 {
			sort.Strings(lines)
			mu.Lock()
			left[n.Name] = lines
			mu.Unlock()
		}
		return nil
	})
	return left, err
}

// podCIDRPrefix is the textual prefix `ip route` shows for routes into a
// /16 pod CIDR ("10.244.").
func podCIDRPrefix(cidr string) string {
	parts := strings.SplitN(cidr, ".", 3)
	if len(parts) < 3 {
		return cidr
	}
	return parts[0] + "." + parts[1] + "."
}

// Clean is Leftovers as one error: nil when nothing is left on any node,
// else what is left, node by node. It is the shape the driver conformance
// suite's check of the nodes takes.
func Clean(ctx context.Context, cfg Config, nodes []orchestrator.Node) error {
	left, err := Leftovers(ctx, cfg, nodes)
	if err != nil {
		return err
	}
	if len(left) == 0 {
		return nil
	}
	var b strings.Builder
	for _, n := range nodes {
		if things := left[n.Name]; len(things) > 0 {
			fmt.Fprintf(&b, "\nnode %s:\n  %s", n.Name, strings.Join(things, "\n  "))
		}
	}
	return fmt.Errorf("the Kubernetes cluster left behind:%s", b.String())
}
