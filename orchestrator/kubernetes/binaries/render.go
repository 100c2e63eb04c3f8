package binaries

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"path"
	"strings"
)

// Layout is where the driver keeps things on a node. Everything it makes
// is under Dir or Run (plus the few system paths the state file lists), so
// that removing them removes the cluster.
type Layout struct {
	Dir string // state, binaries, certificates, configs, logs, data
	Run string // sockets and the containerd state
}

// DefaultLayout is the layout on every node.
var DefaultLayout = Layout{Dir: "/var/lib/edgerig-k8s", Run: "/run/edgerig-k8s"}

func (l Layout) Bin(name string) string   { return path.Join(l.Dir, "bin", name) }
func (l Layout) PKI(name string) string   { return path.Join(l.Dir, "pki", name) }
func (l Layout) Etc(name string) string   { return path.Join(l.Dir, "etc", name) }
func (l Layout) Log(name string) string   { return path.Join(l.Dir, "log", name+".log") }
func (l Layout) Pid(name string) string   { return path.Join(l.Dir, "run", name+".pid") }
func (l Layout) StateFile() string        { return l.Dir + ".state" }
func (l Layout) ContainerdSock() string   { return path.Join(l.Run, "containerd", "containerd.sock") }
func (l Layout) KubeletRoot() string      { return path.Join(l.Dir, "kubelet") }
func (l Layout) CNIConfDir() string       { return path.Join(l.Dir, "cni", "net.d") }
func (l Layout) EtcdData() string         { return path.Join(l.Dir, "etcd") }
func (l Layout) ContainerdRoot() string   { return path.Join(l.Dir, "containerd") }
func (l Layout) ContainerdState() string  { return path.Join(l.Run, "containerd") }
func (l Layout) HostLocalDataDir() string { return path.Join(l.Dir, "cni", "networks") }

// CNIBinDir is where Debian's containernetworking-plugins are.
const CNIBinDir = "/usr/lib/cni"

// BridgeName is the CNI bridge on every node.
const BridgeName = "cni0"

// nodePlan is one node as the cluster is laid out.
type nodePlan struct {
	Name       string
	Addr       string
	Master     bool
	PodCIDR    string // this node's slice of the cluster CIDR
	CgroupRoot string // the node's own cgroup ("/" on a machine of its own)
}

// plan is the whole cluster's layout, fixed before anything is made.
type plan struct {
	Version     string
	L           Layout
	MasterAddr  string
	ClusterCIDR string
	ServiceCIDR string
	APIServerIP string // first address of the service range: kubernetes.default
	DNSIP       string // tenth address of the service range, as kubeadm picks
	Images      Images
	Nodes       []nodePlan
}

// serviceIPs returns the first and the tenth address of cidr.
func serviceIPs(cidr string) (api, dns string, err error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() {
		return "", "", fmt.Errorf("service CIDR %q: want an IPv4 prefix like 10.96.0.0/12", cidr)
	}
	a := p.Masked().Addr()
	for i := 0; i < 10; i++ {
		a = a.Next()
		if i == 0 {
			api = a.String()
		}
	}
	return api, a.String(), nil
}

// nodeCIDRs splits cidr (a /16 or wider) into one /24 per node, the
// master's first.
func nodeCIDRs(cidr string, n int) ([]string, error) {
	p, err := netip.ParsePrefix(cidr)
	if err != nil || !p.Addr().Is4() || p.Bits() > 16 {
		return nil, fmt.Errorf("pod CIDR %q: want an IPv4 prefix of /16 or wider, like 10.244.0.0/16", cidr)
	}
	if n > 256 {
		return nil, fmt.Errorf("pod CIDR %q: %d nodes is more than its /24 slices this driver hands out", cidr, n)
	}
	b := p.Masked().Addr().As4()
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0], b[1], byte(i), 0}), 24).String())
	}
	return out, nil
}

// containerdConfig is the CRI containerd a kubelet talks to: a second
// instance beside Docker's, with its own root, state and socket. The
// native snapshotter because a testbed node's root is already overlayfs;
// restrict_oom_score_adj because root may lack CAP_SYS_RESOURCE.
func (p plan) containerdConfig() string {
	l := p.L
	return fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

[grpc]
  address = %q

[ttrpc]
  address = %q

[plugins."io.containerd.internal.v1.opt"]
  path = %q

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = %q
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = %q
    conf_dir = %q
`, l.ContainerdRoot(), l.ContainerdState(), l.ContainerdSock(), l.ContainerdSock()+".ttrpc",
		path.Join(l.ContainerdRoot(), "opt"), p.Images.Pause, CNIBinDir, l.CNIConfDir())
}

// cniConfig is the node's pod network: a bridge with the node's slice of
// the cluster CIDR; the other slices are reached by routes to their nodes.
func (p plan) cniConfig(n nodePlan) string {
	conf := map[string]any{
		"cniVersion": "0.4.0",
		"name":       "edgerig",
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      BridgeName,
				"isGateway":   true,
				"ipMasq":      true,
				"hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  [][]map[string]string{{{"subnet": n.PodCIDR}}},
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
					"dataDir": p.L.HostLocalDataDir(),
				},
			},
		},
	}
	b, _ := json.MarshalIndent(conf, "", "  ")
	return string(b) + "\n"
}

// kubeletConfig leaves the defaults a user would have, except what the
// cluster's layout fixes (DNS, certificates, cgroups) and eviction
// thresholds low enough that a shared disk does not taint the node.
func (p plan) kubeletConfig(n nodePlan) string {
	l := p.L
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: %s
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
cgroupRoot: %s
clusterDNS:
- %s
clusterDomain: cluster.local
containerRuntimeEndpoint: unix://%s
tlsCertFile: %s
tlsPrivateKeyFile: %s
failSwapOn: false
evictionHard:
  memory.available: 100Mi
  nodefs.available: 2%%
  imagefs.available: 2%%
`, l.PKI("ca.crt"), n.CgroupRoot, p.DNSIP, l.ContainerdSock(), l.PKI("kubelet.crt"), l.PKI("kubelet.key"))
}

// kubeProxyConfig: iptables mode (the kernel here has no IPVS), and the
// conntrack sizes left alone (a container cannot set nf_conntrack_max).
func (p plan) kubeProxyConfig(n nodePlan) string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: %s
mode: iptables
clusterCIDR: %s
hostnameOverride: %s
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`, p.L.Etc("kube-proxy.kubeconfig"), p.ClusterCIDR, n.Name)
}

// daemon is one process the driver starts on a node.
type daemon struct {
	Name string
	Args []string
}

// masterDaemons are the control plane, in start order.
func (p plan) masterDaemons() []daemon {
	l := p.L
	return []daemon{
		{"etcd", []string{l.Bin("etcd"),
			"--name=master", "--data-dir=" + l.EtcdData(),
			"--listen-client-urls=https://127.0.0.1:2379", "--advertise-client-urls=https://127.0.0.1:2379",
			"--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
			"--initial-cluster=master=http://127.0.0.1:2380", "--listen-metrics-urls=http://127.0.0.1:2381",
			"--cert-file=" + l.PKI("etcd.crt"), "--key-file=" + l.PKI("etcd.key"),
			"--client-cert-auth=true", "--trusted-ca-file=" + l.PKI("ca.crt"),
		}},
		{"kube-apiserver", []string{l.Bin("kube-apiserver"),
			"--advertise-address=" + p.MasterAddr, "--bind-address=0.0.0.0", "--secure-port=6443",
			"--etcd-servers=https://127.0.0.1:2379", "--etcd-cafile=" + l.PKI("ca.crt"),
			"--etcd-certfile=" + l.PKI("apiserver-etcd-client.crt"), "--etcd-keyfile=" + l.PKI("apiserver-etcd-client.key"),
			"--client-ca-file=" + l.PKI("ca.crt"),
			"--tls-cert-file=" + l.PKI("apiserver.crt"), "--tls-private-key-file=" + l.PKI("apiserver.key"),
			"--kubelet-client-certificate=" + l.PKI("apiserver-kubelet-client.crt"),
			"--kubelet-client-key=" + l.PKI("apiserver-kubelet-client.key"),
			"--kubelet-certificate-authority=" + l.PKI("ca.crt"),
			"--kubelet-preferred-address-types=InternalIP",
			"--service-cluster-ip-range=" + p.ServiceCIDR,
			"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
			"--service-account-key-file=" + l.PKI("sa.pub"), "--service-account-signing-key-file=" + l.PKI("sa.key"),
			"--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
			"--allow-privileged=true",
		}},
		{"kube-controller-manager", []string{l.Bin("kube-controller-manager"),
			"--kubeconfig=" + l.Etc("controller-manager.kubeconfig"),
			"--authentication-kubeconfig=" + l.Etc("controller-manager.kubeconfig"),
			"--authorization-kubeconfig=" + l.Etc("controller-manager.kubeconfig"),
			"--bind-address=127.0.0.1", "--use-service-account-credentials=true",
			"--service-account-private-key-file=" + l.PKI("sa.key"), "--root-ca-file=" + l.PKI("ca.crt"),
			"--client-ca-file=" + l.PKI("ca.crt"),
			"--service-cluster-ip-range=" + p.ServiceCIDR, "--cluster-cidr=" + p.ClusterCIDR,
		}},
		{"kube-scheduler", []string{l.Bin("kube-scheduler"),
			"--kubeconfig=" + l.Etc("scheduler.kubeconfig"),
			"--authentication-kubeconfig=" + l.Etc("scheduler.kubeconfig"),
			"--authorization-kubeconfig=" + l.Etc("scheduler.kubeconfig"),
			"--bind-address=127.0.0.1",
		}},
	}
}

// nodeDaemons run on every node, in start order.
func (p plan) nodeDaemons(n nodePlan) []daemon {
	l := p.L
	return []daemon{
		{"containerd", []string{"containerd", "--config=" + l.Etc("containerd.toml")}},
		{"kubelet", []string{l.Bin("kubelet"),
			"--config=" + l.Etc("kubelet.yaml"), "--kubeconfig=" + l.Etc("kubelet.kubeconfig"),
			"--root-dir=" + l.KubeletRoot(), "--hostname-override=" + n.Name, "--node-ip=" + n.Addr,
		}},
		{"kube-proxy", []string{l.Bin("kube-proxy"), "--config=" + l.Etc("kube-proxy.yaml")}},
	}
}

// nodeObject is the Node the driver creates before the kubelet registers,
// so that the pod CIDR (which the CNI config already uses) and the
// master's taint and role are set from the start. The kubelet adopts it.
func (p plan) nodeObject(n nodePlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "apiVersion: v1\nkind: Node\nmetadata:\n  name: %s\n", n.Name)
	if n.Master {
		b.WriteString("  labels:\n    node-role.kubernetes.io/control-plane: \"\"\n")
	}
	fmt.Fprintf(&b, "spec:\n  podCIDR: %s\n  podCIDRs:\n  - %s\n", n.PodCIDR, n.PodCIDR)
	if n.Master {
		b.WriteString("  taints:\n  - key: node-role.kubernetes.io/control-plane\n    effect: NoSchedule\n")
	}
	return b.String()
}
