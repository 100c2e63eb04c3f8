package kubernetes

import (
	"fmt"
	"net"
	"strings"

	"github.com/edgerig/edgerig/spec"
)

// A flavour is the commands of one install method. Every command is an
// argv; the few fixed clean-up scripts are constants run with sh -c, and
// never carry a value from the spec.
type flavour interface {
	// installed is a command that succeeds when the method's Kubernetes is
	// on the host (installed by edgerig or not).
	installed() []string
	install(n node) [][]string
	// initMaster forms the cluster on the master.
	initMaster(n node, token string) [][]string
	// joinCommand, run on the master, prints what joinArgs needs.
	joinCommand() []string
	join(n node, master node, token, joinOut string) ([][]string, error)
	kubectl() []string
	// reset stops the node's Kubernetes and removes its state, processes,
	// mounts, interfaces and iptables chains; uninstall removes what
	// install put on the host. master says which role the node had.
	// Both succeed when there is nothing to remove.
	reset(master bool) [][]string
	uninstall(master bool) [][]string
	// versionCmd prints the installed version (checked against the spec's).
	versionCmd() []string
}

// node is a cluster node with the address the others reach it at.
type node struct {
	name, addr string
}

func newFlavour(c Config) (flavour, error) {
	kind, value, err := spec.ParseSource(c.Source)
	if err != nil {
		return nil, fmt.Errorf("kubernetes: source: %w", err)
	}
	switch c.Install {
	case spec.InstallK3s:
		if kind == spec.SourcePackage {
			return nil, fmt.Errorf("kubernetes: install k3s from %q: k3s has no Debian package; use binary:/PATH or script:/PATH (k3s's installer)", c.Source)
		}
		if kind == spec.SourceScript && !strings.Contains(c.Version, "+k3s") {
			return nil, fmt.Errorf("kubernetes: version %q: k3s's installer installs a k3s release: write it with its suffix, like %s+k3s1", c.Version, c.Version)
		}
		return k3s{version: c.Version, kind: kind, path: value}, nil
	case spec.InstallKubeadm:
		if kind == spec.SourceBinary {
			return nil, fmt.Errorf("kubernetes: install kubeadm from %q: kubeadm needs kubelet as a system service, which a package or an install script sets up; use package:NAMES or script:/PATH", c.Source)
		}
		return kubeadm{version: c.Version, kind: kind, value: value, cni: c.CNIManifest}, nil
	}
	return nil, fmt.Errorf("kubernetes: install %q: this driver installs k3s or kubeadm", c.Install)
}

// netCleanup removes the pod network a CNI left: its interfaces and the
// iptables chains Kubernetes, the CNI plugins and flannel made, keeping
// every other rule (Docker's above all).
const netCleanup = `for i in cni0 flannel.1 flannel-v6.1 kube-ipvs0 flannel-wg; do ip link delete "$i" 2>/dev/null; done
for t in filter nat mangle raw; do
  iptables-save -t "$t" | grep -v -e KUBE- -e CNI- -e FLANNEL -e FLANNEL- | iptables-restore -T "$t" 2>/dev/null || true
done
rm -rf /var/lib/cni /etc/cni/net.d /run/flannel
true`

// k3s installs k3s from its installer script or from a k3s binary run as
// a transient systemd unit.
type k3s struct {
	version string
	kind    string // script | binary
	path    string
}

// unit is the transient systemd unit a binary-installed k3s runs in.
const k3sUnit = "edgerig-k3s"

// k3sCleanup is what k3s-killall.sh and k3s-uninstall.sh do, for a k3s run
// from a binary: processes of pods, mounts, and state directories.
const k3sCleanup = `pkill -9 -f 'containerd-shim.*k3s' 2>/dev/null
for m in $(awk '$2 ~ "^/(run/k3s|var/lib/rancher/k3s|var/lib/kubelet)" {print $2}' /proc/self/mounts | sort -r); do umount -l "$m"; done
rm -rf /etc/rancher/k3s /var/lib/rancher/k3s /var/lib/kubelet /run/k3s
true`

func (k k3s) installed() []string {
	return []string{"sh", "-c", "test -e /etc/rancher/k3s || test -e /var/lib/rancher/k3s || test -x /usr/local/bin/k3s-uninstall.sh || test -x /usr/local/bin/k3s-agent-uninstall.sh"}
}

func (k k3s) install(n node) [][]string {
	if k.kind == spec.SourceBinary && k.path != "/usr/local/bin/k3s" {
		return [][]string{{"install", "-m", "0755", k.path, "/usr/local/bin/k3s"}}
	}
	return nil // the installer installs as it starts k3s (initMaster, join)
}

func (k k3s) serverArgs(n node, token string) []string {
	args := []string{"server", "--node-name", n.name, "--token", token, "--write-kubeconfig-mode", "0600"}
	if n.addr != "" {
		args = append(args, "--node-ip", n.addr, "--advertise-address", n.addr)
	}
	return args
}

func (k k3s) agentArgs(n, master node, token string) []string {
	args := []string{"agent", "--node-name", n.name, "--server", "https://" + net.JoinHostPort(master.addr, "6443"), "--token", token}
	if n.addr != "" {
		args = append(args, "--node-ip", n.addr)
	}
	return args
}

func (k k3s) run(args []string) [][]string {
	if k.kind == spec.SourceBinary {
		return [][]string{append([]string{"systemd-run", "--unit", k3sUnit, "--collect", "/usr/local/bin/k3s"}, args...)}
	}
	// k3s's installer: it installs the version asked for, writes the
	// kill-all and uninstall scripts and starts k3s as a service.
	env := []string{"env", "INSTALL_K3S_EXEC=" + strings.Join(args, " ")}
	if strings.Contains(k.version, "+k3s") {
		env = append(env, "INSTALL_K3S_VERSION="+k.version)
	}
	return [][]string{append(env, "sh", k.path)}
}

func (k k3s) initMaster(n node, token string) [][]string { return k.run(k.serverArgs(n, token)) }

// joinCommand: k3s needs nothing from the master beyond the token the
// driver chose.
func (k k3s) joinCommand() []string { return nil }

func (k k3s) join(n, master node, token, _ string) ([][]string, error) {
	return k.run(k.agentArgs(n, master, token)), nil
}

func (k k3s) versionCmd() []string { return []string{"/usr/local/bin/k3s", "--version"} }

func (k k3s) kubectl() []string { return []string{"k3s", "kubectl"} }

func (k k3s) reset(master bool) [][]string {
	if k.kind == spec.SourceBinary {
		return [][]string{
			{"sh", "-c", "if systemctl is-active --quiet " + k3sUnit + "; then systemctl stop " + k3sUnit + "; fi"},
			{"sh", "-c", k3sCleanup},
			{"sh", "-c", netCleanup},
		}
	}
	return [][]string{{"sh", "-c", "if [ -x /usr/local/bin/k3s-killall.sh ]; then /usr/local/bin/k3s-killall.sh; fi"}}
}

func (k k3s) uninstall(master bool) [][]string {
	switch {
	case k.kind == spec.SourceBinary && k.path != "/usr/local/bin/k3s":
		return [][]string{{"rm", "-f", "/usr/local/bin/k3s"}}
	case k.kind == spec.SourceBinary:
		return nil // the binary was there before: it is the source
	case master:
		return [][]string{{"sh", "-c", "if [ -x /usr/local/bin/k3s-uninstall.sh ]; then /usr/local/bin/k3s-uninstall.sh; fi"}}
	}
	return [][]string{{"sh", "-c", "if [ -x /usr/local/bin/k3s-agent-uninstall.sh ]; then /usr/local/bin/k3s-agent-uninstall.sh; fi"}}
}

// kubeadm installs kubeadm, kubelet and kubectl from packages or a script
// and forms the cluster with kubeadm init and join, with flannel as the
// pod network.
type kubeadm struct {
	version string
	kind    string // package | script
	value   string // comma-separated packages, or the script's path
	cni     string // manifest applied after init
}

// PodCIDR is the pod network kubeadm's clusters get (flannel's default).
const PodCIDR = "10.244.0.0/16"

const adminConf = "/etc/kubernetes/admin.conf"

func (k kubeadm) installed() []string {
	return []string{"sh", "-c", "test -e /etc/kubernetes/kubelet.conf || test -e " + adminConf}
}

func (k kubeadm) install(n node) [][]string {
	if k.kind == spec.SourceScript {
		return [][]string{{"sh", k.value, k.version}}
	}
	return [][]string{append([]string{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "--no-install-recommends"}, strings.Split(k.value, ",")...)}
}

func (k kubeadm) initMaster(n node, token string) [][]string {
	args := []string{"kubeadm", "init", "--kubernetes-version", k.version, "--node-name", n.name,
		"--token", token, "--pod-network-cidr", PodCIDR}
	if n.addr != "" {
		args = append(args, "--apiserver-advertise-address", n.addr)
	}
	return [][]string{args, append(k.kubectl(), "apply", "-f", k.cni)}
}

func (k kubeadm) joinCommand() []string {
	return []string{"kubeadm", "token", "create", "--print-join-command"}
}

// join reads the endpoint and CA hash from the master's join command (the
// token is the driver's own) and joins n with them.
func (k kubeadm) join(n, _ node, token, joinOut string) ([][]string, error) {
	f := strings.Fields(joinOut)
	var endpoint, hash string
	for i, w := range f {
		switch {
		case w == "join" && i+1 < len(f):
			endpoint = f[i+1]
		case w == "--discovery-token-ca-cert-hash" && i+1 < len(f):
			hash = f[i+1]
		}
	}
	if endpoint == "" || !strings.HasPrefix(hash, "sha256:") {
		return nil, fmt.Errorf("kubeadm token create --print-join-command printed no endpoint and CA hash: %q", strings.TrimSpace(joinOut))
	}
	return [][]string{{"kubeadm", "join", endpoint, "--token", token, "--discovery-token-ca-cert-hash", hash, "--node-name", n.name}}, nil
}

func (k kubeadm) versionCmd() []string { return []string{"kubeadm", "version", "-o", "short"} }

func (k kubeadm) kubectl() []string { return []string{"kubectl", "--kubeconfig", adminConf} }

func (k kubeadm) reset(bool) [][]string {
	return [][]string{{"sh", "-c", "if command -v kubeadm >/dev/null; then kubeadm reset -f; fi"}, {"sh", "-c", netCleanup}}
}

func (k kubeadm) uninstall(bool) [][]string {
	if k.kind == spec.SourceScript {
		return nil // the user's script installed them; what it did is not known here
	}
	return [][]string{append([]string{"env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "purge", "-y"}, strings.Split(k.value, ",")...)}
}
