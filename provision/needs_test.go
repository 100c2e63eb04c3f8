package provision

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/inventory"
)

func names(rs []Requirement) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name())
	}
	return out
}

// TestFor: each part's requirements land on the hosts whose roles run it,
// over every trial of the matrix, in the order they are applied.
func TestFor(t *testing.T) {
	hosts := []inventory.Host{
		{Name: "m", Roles: []string{"master"}},
		{Name: "w", Roles: []string{"worker", "collector"}},
		{Name: "d", Roles: []string{"spark-driver"}},
		{Name: "x", Roles: []string{"monitoring"}},
	}
	s := parseSpec(t, `name: all
matrix:
  orchestrator.kind: [swarm, kubernetes]
provision:
  packages: [jq]
  sysctls: {net.core.somaxconn: "1024"}
`)
	p := For(s, hosts)
	clock := "clock synchronised by an NTP client"
	require.Equal(t, []string{"package jq", "package docker.io", "package containerd",
		"docker engine running", "containerd running", clock,
		"module overlay", "module br_netfilter",
		"sysctl net.core.somaxconn=1024", "sysctl net.ipv4.ip_forward=1", "sysctl net.bridge.bridge-nf-call-iptables=1",
		"docker usable by the user", "swap off", "unique hostname",
		"memory cgroup (cgroup_enable=memory cgroup_memory=1)"}, names(p.Needs["m"]))
	require.Contains(t, names(p.Needs["w"]), "module br_netfilter")
	require.Equal(t, []string{"package jq", clock, "sysctl net.core.somaxconn=1024"}, names(p.Needs["x"]))

	// The word count as processes needs Java and Python where HDFS, Spark
	// and the job run; as Swarm services its image brings them.
	wc := For(parseSpec(t, "name: wc\nworkload: {kind: wordcount}\n"), hosts)
	java := []string{"package openjdk-17-jre-headless", "package python3", "package python3-venv", clock}
	for _, h := range []string{"m", "w", "d"} {
		require.Equal(t, java, names(wc.Needs[h]), h)
	}
	require.Equal(t, []string{clock}, names(wc.Needs["x"]))
	onSwarm := For(parseSpec(t, "name: wc\norchestrator: {kind: swarm}\nworkload: {kind: wordcount}\n"), hosts)
	require.Equal(t, []string{"package docker.io", "docker engine running", clock, "docker usable by the user"}, names(onSwarm.Needs["m"]))
	require.NotContains(t, names(onSwarm.Needs["d"]), "package openjdk-17-jre-headless")

	idle := For(parseSpec(t, "name: idle\n"), hosts)
	require.Equal(t, []string{clock}, names(idle.Needs["m"]), "the probe needs nothing but Linux")
}
