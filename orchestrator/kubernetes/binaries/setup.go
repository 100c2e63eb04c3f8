package binaries

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
)

// kernelTunables are the sysctls the kubelet (the first six) and
// kube-proxy set on start. On the container testbed the nodes share the
// machine's kernel, so Setup records their values first and Teardown puts
// them back.
var kernelTunables = []string{"vm.overcommit_memory", "vm.panic_on_oom", "kernel.panic", "kernel.panic_on_oops", "kernel.keys.root_maxkeys", "kernel.keys.root_maxbytes",
	"net.ipv4.conf.all.route_localnet"}

// Setup cleans what an earlier run left, builds (or reuses) the binaries,
// then brings up the control plane on the master and containerd, the
// kubelet and kube-proxy on every node. Each node's state file lists what
// is made there before it is made.
func (d *Driver) Setup(ctx context.Context, c orchestrator.Cluster) error {
	p, err := newPlan(d.cfg, c)
	if err != nil {
		return fmt.Errorf("kubernetes set-up: %w", err)
	}
	d.mu.Lock()
	d.cluster = &c
	d.mu.Unlock()
	start := time.Now()
	nodes := c.Nodes()
	l := d.cfg.Layout

	d.progress("removing what an earlier run left on %d nodes", len(nodes))
	if err := eachNode(nodes, func(_ int, n orchestrator.Node) error {
		return teardownNode(ctx, stepTimeout{n.T, d.cfg.StepTimeout}, l, d.cfg.StepTimeout)
	}); err != nil {
		return fmt.Errorf("kubernetes set-up: cleaning an earlier run: %w", err)
	}

	bin, err := Build(ctx, BuildOptions{CacheDir: d.cfg.CacheDir, Version: d.cfg.Version, ModuleDir: d.cfg.ModuleDir, Progress: d.cfg.Progress})
	if err != nil {
		return fmt.Errorf("kubernetes set-up: %w", err)
	}
	local, err := os.MkdirTemp("", "edgerig-k8s-")
	if err != nil {
		return fmt.Errorf("kubernetes set-up: %w", err)
	}
	defer os.RemoveAll(local)
	archive := filepath.Join(local, "images.tar")
	if p.Images, err = WriteImages(bin, archive); err != nil {
		return fmt.Errorf("kubernetes set-up: %w", err)
	}
	files, err := d.pkiFiles(p, local)
	if err != nil {
		return fmt.Errorf("kubernetes set-up: %w", err)
	}

	d.progress("installing on %d nodes", len(nodes))
	if err := eachNode(nodes, func(i int, n orchestrator.Node) error {
		return d.installNode(ctx, n.T, p, &p.Nodes[i], bin, archive, files[n.Name])
	}); err != nil {
		return fmt.Errorf("kubernetes set-up: %w", err)
	}
	d.mu.Lock()
	d.plan = p
	d.mu.Unlock()

	m := c.Master.T
	d.progress("starting the control plane on %s", c.Master.Name)
	if err := d.startControlPlane(ctx, m, p); err != nil {
		return fmt.Errorf("kubernetes set-up: node %s: %w", c.Master.Name, err)
	}
	var objs []string
	for _, n := range p.Nodes {
		objs = append(objs, p.nodeObject(n))
	}
	if _, err := kubectl(ctx, m, l, strings.Join(objs, "---\n"), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("kubernetes set-up: creating the nodes: %w", err)
	}
	d.progress("starting the kubelet and kube-proxy on %d nodes", len(nodes))
	if err := eachNode(nodes, func(i int, n orchestrator.Node) error {
		return d.startNode(ctx, n.T, p, p.Nodes[i])
	}); err != nil {
		return fmt.Errorf("kubernetes set-up: %w", err)
	}
	if _, err := kubectl(ctx, m, l, p.coreDNSManifest(), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("kubernetes set-up: deploying CoreDNS: %w", err)
	}
	d.progress("set up in %.1fs", time.Since(start).Seconds())
	return nil
}

// pkiFiles makes the CA and every certificate, key and kubeconfig, and
// writes each node's set under local/<node>/, keyed by its path on the node.
func (d *Driver) pkiFiles(p *plan, local string) (map[string]map[string]string, error) {
	now := time.Now()
	l := p.L
	ca, err := NewCA(now)
	if err != nil {
		return nil, err
	}
	server := "https://" + net.JoinHostPort(p.MasterAddr, "6443")
	out := map[string]map[string]string{}
	for _, n := range p.Nodes {
		files := map[string][]byte{l.PKI("ca.crt"): ca.PEM}
		issue := func(s CertSpec) (KeyPair, error) { return ca.Issue(s, now) }
		serving, err := issue(CertSpec{CN: n.Name, DNS: []string{n.Name}, IPs: []net.IP{net.ParseIP(n.Addr)}, Server: true})
		if err != nil {
			return nil, err
		}
		files[l.PKI("kubelet.crt")], files[l.PKI("kubelet.key")] = serving.Cert, serving.Key
		kc, err := issue(CertSpec{CN: "system:node:" + n.Name, Orgs: []string{"system:nodes"}, Client: true})
		if err != nil {
			return nil, err
		}
		files[l.Etc("kubelet.kubeconfig")] = Kubeconfig(server, ca.PEM, "system:node:"+n.Name, kc)
		pc, err := issue(CertSpec{CN: "system:kube-proxy", Client: true})
		if err != nil {
			return nil, err
		}
		files[l.Etc("kube-proxy.kubeconfig")] = Kubeconfig(server, ca.PEM, "system:kube-proxy", pc)
		files[l.Etc("containerd.toml")] = []byte(p.containerdConfig())
		files[l.Etc("kubelet.yaml")] = nil // rendered once the node's cgroup is known
		files[l.Etc("kube-proxy.yaml")] = []byte(p.kubeProxyConfig(n))
		files[l.CNIConfDir()+"/10-edgerig.conflist"] = []byte(p.cniConfig(n))
		if n.Master {
			if err := masterPKI(files, ca, p, now); err != nil {
				return nil, err
			}
		}
		paths := map[string]string{}
		for dst, data := range files {
			if data == nil {
				continue
			}
			src, err := writeLocal(filepath.Join(local, n.Name), strings.ReplaceAll(strings.TrimPrefix(dst, "/"), "/", "_"), data)
			if err != nil {
				return nil, err
			}
			paths[dst] = src
		}
		out[n.Name] = paths
	}
	return out, nil
}

// masterPKI adds the control plane's certificates and kubeconfigs. The
// apiserver's names cover every way it is reached: the master's address
// and name, the kubernetes Service's address and DNS names, loopback.
func masterPKI(files map[string][]byte, ca *CA, p *plan, now time.Time) error {
	l := p.L
	local := "https://127.0.0.1:6443"
	add := func(name string, s CertSpec) error {
		kp, err := ca.Issue(s, now)
		if err != nil {
			return err
		}
		files[l.PKI(name+".crt")], files[l.PKI(name+".key")] = kp.Cert, kp.Key
		return nil
	}
	kubeconfig := func(name, user string, orgs []string) error {
		kp, err := ca.Issue(CertSpec{CN: user, Orgs: orgs, Client: true}, now)
		if err != nil {
			return err
		}
		files[l.Etc(name+".kubeconfig")] = Kubeconfig(local, ca.PEM, user, kp)
		return nil
	}
	for _, f := range []func() error{
		func() error {
			return add("apiserver", APIServerCertSpec(p.Nodes[0].Name, p.MasterAddr, p.APIServerIP))
		},
		func() error {
			return add("apiserver-kubelet-client", CertSpec{CN: "kube-apiserver-kubelet-client", Orgs: []string{"system:masters"}, Client: true})
		},
		func() error {
			return add("apiserver-etcd-client", CertSpec{CN: "kube-apiserver-etcd-client", Client: true})
		},
		func() error {
			return add("etcd", CertSpec{CN: "etcd", DNS: []string{"localhost"}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Server: true, Client: true})
		},
		func() error { return kubeconfig("admin", "kubernetes-admin", []string{"system:masters"}) },
		func() error { return kubeconfig("controller-manager", "system:kube-controller-manager", nil) },
		func() error { return kubeconfig("scheduler", "system:kube-scheduler", nil) },
		func() error {
			priv, pub, err := ServiceAccountKey()
			files[l.PKI("sa.key")], files[l.PKI("sa.pub")] = priv, pub
			return err
		},
	} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// APIServerCertSpec is the apiserver's serving certificate: every name and
// address a client may reach it by.
func APIServerCertSpec(masterName, masterAddr, serviceIP string) CertSpec {
	return CertSpec{
		CN: "kube-apiserver",
		DNS: []string{masterName, "localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPs:    []net.IP{net.ParseIP(masterAddr), net.ParseIP(serviceIP), net.IPv4(127, 0, 0, 1)},
		Server: true,
	}
}

// installNode records and then makes the node's directories, copies the
// binaries, certificates and configs, starts containerd and imports the
// images into it.
func (d *Driver) installNode(ctx context.Context, t runner, p *plan, n *nodePlan, bin, archive string, files map[string]string) error {
	l := p.L
	// The kubelet's cgroups go under the root of the node's cgroup mounts:
	// on the container testbed those are the node container's own cgroup
	// (bind-mounted), so the nodes' pods do not meet in one tree.
	root := "/"
	n.CgroupRoot = root
	sysctls, err := sh(ctx, t, `for k in "$@"; do printf 'sysctl %s %s\n' "$k" "$(sysctl -n "$k")"; done`, kernelTunables...)
	if err != nil {
		return fmt.Errorf("reading kernel settings: %w", err)
	}
	cniCache, err := sh(ctx, t, `[ -e /var/lib/cni ] || echo /var/lib/cni`)
	if err != nil {
		return err
	}
	lines := []string{entryPath + " " + l.Dir + " " + l.Run + " " + strings.TrimSpace(cniCache)}
	for _, line := range strings.Split(sysctls, "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, strings.TrimSpace(line))
		}
	}
	lines = append(lines,
		entryChains, entryNetNS, entryIface+" "+BridgeName,
		entryCgroup+" "+strings.TrimSuffix(root, "/")+"/kubepods")
	for _, o := range p.Nodes {
		if o.Name != n.Name {
			lines = append(lines, entryRoute+" "+o.PodCIDR)
		}
	}
	bridgeNF, err := sh(ctx, t, `sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null || true`)
	if err != nil {
		return err
	}
	if v := strings.TrimSpace(bridgeNF); v != "" && v != "1" {
		lines = append(lines, entrySysctl+" net.bridge.bridge-nf-call-iptables "+v)
	}
	if err := d.record(ctx, n.Name, t, l, lines...); err != nil {
		return err
	}
	// Pods on one bridge reach each other through a ClusterIP only when
	// bridged packets pass iptables (the DNAT's reply must be un-NATed).
	if v := strings.TrimSpace(bridgeNF); v != "" && v != "1" {
		if _, err := sh(ctx, t, `sysctl -q -w net.bridge.bridge-nf-call-iptables=1`); err != nil {
			return fmt.Errorf("enabling bridge netfilter: %w", err)
		}
	}
	if _, err := sh(ctx, t, `mkdir -p "$@"`, l.Dir+"/bin", l.Dir+"/pki", l.Dir+"/etc", l.Dir+"/log", l.Dir+"/run", l.CNIConfDir(), l.Run); err != nil {
		return fmt.Errorf("making directories: %w", err)
	}
	comps := []string{"kubelet", "kube-proxy"}
	if n.Master {
		comps = append(comps, "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl")
	}
	for _, c := range comps {
		if err := t.Copy(ctx, filepath.Join(bin, c), l.Bin(c), 0o755); err != nil {
			return fmt.Errorf("copying %s: %w", c, err)
		}
	}
	for dst, src := range files {
		if err := t.Copy(ctx, src, dst, 0o600); err != nil {
			return fmt.Errorf("copying %s: %w", dst, err)
		}
	}
	kc, err := writeLocal(filepath.Dir(archive), n.Name+"-kubelet.yaml", []byte(p.kubeletConfig(*n)))
	if err != nil {
		return err
	}
	if err := t.Copy(ctx, kc, l.Etc("kubelet.yaml"), 0o644); err != nil {
		return fmt.Errorf("copying the kubelet config: %w", err)
	}
	if err := t.Copy(ctx, archive, l.Dir+"/images.tar", 0o644); err != nil {
		return fmt.Errorf("copying the images: %w", err)
	}
	cd := p.nodeDaemons(*n)[0]
	if err := d.record(ctx, n.Name, t, l, entryDaemon+" "+cd.Name+" "+l.Pid(cd.Name)); err != nil {
		return err
	}
	if err := startDaemon(ctx, t, l, cd); err != nil {
		return err
	}
	ctr := []string{"ctr", "--address", l.ContainerdSock(), "--namespace", "k8s.io"}
	if err := waitFor(ctx, "containerd", d.cfg.StartTimeout, 300*time.Millisecond, func(ctx context.Context) error {
		_, err := sh(ctx, t, `"$@" version >/dev/null`, ctr...)
		return err
	}); err != nil {
		return d.withLog(ctx, t, l, "containerd", err)
	}
	if _, err := sh(ctx, t, `"$@" >/dev/null`, append(ctr, "images", "import", "--snapshotter", "native", l.Dir+"/images.tar")...); err != nil {
		return fmt.Errorf("importing the images: %w", err)
	}
	return nil
}

// withLog adds the end of a daemon's log to err.
func (d *Driver) withLog(ctx context.Context, t runner, l Layout, name string, err error) error {
	tail, _ := sh(ctx, t, `tail -n 15 "$1"`, l.Log(name))
	return fmt.Errorf("%w; end of %s:\n%s", err, l.Log(name), tail)
}

// startControlPlane starts etcd, the apiserver, the controller-manager and
// the scheduler, each once the one before it answers.
func (d *Driver) startControlPlane(ctx context.Context, t runner, p *plan) error {
	l := p.L
	checks := map[string]func(context.Context) error{
		// etcd listens on its metrics port once it serves.
		"etcd": func(ctx context.Context) error {
			_, err := sh(ctx, t, `grep -q ':094D 00000000:0000 0A' /proc/net/tcp`)
			return err
		},
		"kube-apiserver": func(ctx context.Context) error {
			_, err := kubectl(ctx, t, l, "", "get", "--raw=/readyz")
			return err
		},
	}
	for _, dm := range p.masterDaemons() {
		if err := d.record(ctx, p.Nodes[0].Name, t, l, entryDaemon+" "+dm.Name+" "+l.Pid(dm.Name)); err != nil {
			return err
		}
		if err := startDaemon(ctx, t, l, dm); err != nil {
			return err
		}
		if check := checks[dm.Name]; check != nil {
			if err := waitFor(ctx, dm.Name, d.cfg.StartTimeout, 300*time.Millisecond, check); err != nil {
				return d.withLog(ctx, t, l, dm.Name, err)
			}
		}
	}
	return nil
}

// startNode adds the routes to the other nodes' pod CIDRs and starts the
// kubelet and kube-proxy.
func (d *Driver) startNode(ctx context.Context, t runner, p *plan, n nodePlan) error {
	l := p.L
	for _, o := range p.Nodes {
		if o.Name == n.Name {
			continue
		}
		if _, err := sh(ctx, t, `ip route replace "$1" via "$2"`, o.PodCIDR, o.Addr); err != nil {
			return fmt.Errorf("route to %s's pods: %w", o.Name, err)
		}
	}
	for _, dm := range p.nodeDaemons(n)[1:] {
		if err := d.record(ctx, n.Name, t, l, entryDaemon+" "+dm.Name+" "+l.Pid(dm.Name)); err != nil {
			return err
		}
		if err := startDaemon(ctx, t, l, dm); err != nil {
			return err
		}
	}
	return nil
}
