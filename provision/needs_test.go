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
workload: {kind: wordcount}
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
	require.Contains(t, names(p.Needs["w"]), "package openjdk-17-jre-headless", "collectors run the word count's services")
	require.Contains(t, names(p.Needs["w"]), "module br_netfilter")
	require.Equal(t, []string{"package jq", "package openjdk-17-jre-headless", "package python3", "package python3-venv",
		clock, "sysctl net.core.somaxconn=1024"}, names(p.Needs["d"]))
	require.Equal(t, []string{"package jq", clock, "sysctl net.core.somaxconn=1024"}, names(p.Needs["x"]))

	idle := For(parseSpec(t, "name: idle\n"), hosts)
	require.Equal(t, []string{clock}, names(idle.Needs["m"]), "the probe needs nothing but Linux")
}
