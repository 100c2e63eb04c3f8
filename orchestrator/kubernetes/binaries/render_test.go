package binaries

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/orchestrator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run with -update to write it")
	require.Equal(t, string(want), got)
}

func testPlan(t *testing.T) *plan {
	node := func(name, addr string) orchestrator.Node {
		return orchestrator.Node{Name: name, Addr: addr, T: &fake{}}
	}
	c := orchestrator.Cluster{Master: node("node1", "172.30.0.2"), Workers: []orchestrator.Node{node("node2", "172.30.0.3"), node("node3", "172.30.0.4")}}
	p, err := newPlan(New(Config{}).cfg, c)
	require.NoError(t, err)
	p.Images = Images{Pause: "edgerig.local/pause:aaaa", Pod: "edgerig.local/pod:aaaa", CoreDNS: "edgerig.local/coredns:bbbb"}
	for i := range p.Nodes {
		p.Nodes[i].CgroupRoot = "/"
	}
	return p
}

// The configs the nodes get, for a 3-node cluster, as golden files.
func TestRender(t *testing.T) {
	p := testPlan(t)
	require.Equal(t, "10.96.0.1", p.APIServerIP)
	require.Equal(t, "10.96.0.10", p.DNSIP)
	require.Equal(t, []string{"10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"}, []string{p.Nodes[0].PodCIDR, p.Nodes[1].PodCIDR, p.Nodes[2].PodCIDR})
	var daemons strings.Builder
	for _, d := range append(p.masterDaemons(), p.nodeDaemons(p.Nodes[1])...) {
		daemons.WriteString(d.Name + ": " + strings.Join(d.Args, " ") + "\n")
	}
	for _, tc := range []struct{ name, got string }{
		{"containerd.toml", p.containerdConfig()},
		{"cni-node2.conflist", p.cniConfig(p.Nodes[1])},
		{"kubelet-node2.yaml", p.kubeletConfig(p.Nodes[1])},
		{"kube-proxy-node2.yaml", p.kubeProxyConfig(p.Nodes[1])},
		{"node-master.yaml", p.nodeObject(p.Nodes[0])},
		{"node-worker.yaml", p.nodeObject(p.Nodes[1])},
		{"coredns.yaml", p.coreDNSManifest()},
		{"check.yaml", p.checkManifest(3) + "---\n" + p.clientPod("node1")},
		{"daemons.txt", daemons.String()},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, tc.got) })
	}
}

// Bad clusters are refused with every problem named by host.
func TestPlanErrors(t *testing.T) {
	tr := &fake{}
	c := orchestrator.Cluster{
		Master:  orchestrator.Node{Name: "Node_1", Addr: "172.30.0.2", T: tr},
		Workers: []orchestrator.Node{{Name: "node2", Addr: "", T: tr}, {Name: "node2", Addr: "fe80::1", T: tr}},
	}
	_, err := newPlan(New(Config{}).cfg, c)
	require.Error(t, err)
	for _, want := range []string{`host "Node_1": a Kubernetes node name`, `host "node2": address ""`, `host "node2" appears twice`, `address "fe80::1"`} {
		require.Contains(t, err.Error(), want)
	}
	_, err = newPlan(New(Config{PodCIDR: "10.244.0.0/24"}).cfg, orchestrator.Cluster{Master: orchestrator.Node{Name: "a", Addr: "10.0.0.1", T: tr}})
	require.ErrorContains(t, err, "pod CIDR")
	_, err = newPlan(New(Config{ServiceCIDR: "nonsense"}).cfg, orchestrator.Cluster{Master: orchestrator.Node{Name: "a", Addr: "10.0.0.1", T: tr}})
	require.ErrorContains(t, err, "service CIDR")
}
