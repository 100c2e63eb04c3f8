package ssh_test

import (
	"testing"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/transport/ssh"
	"github.com/stretchr/testify/require"
)

func TestConfigFor(t *testing.T) {
	inv := &inventory.Inventory{Path: "hosts.yaml", Hosts: []inventory.Host{
		{Name: "bastion", Address: "gw.example.org", Port: 2222, User: "ops", Agent: true, KnownHosts: "/k"},
		{Name: "pi", Address: "10.0.0.5", User: "pi", Identity: "/id", Jump: "bastion"},
		{Name: "v6", Address: "fe80::1", Port: 22},
		{Name: "loop-a", Address: "a", Jump: "loop-b"},
		{Name: "loop-b", Address: "b", Jump: "loop-a"},
		{Name: "here", Local: true},
	}}
	pi, _ := inv.ByName("pi")
	c, err := ssh.ConfigFor(inv, pi, true)
	require.NoError(t, err)
	require.Equal(t, ssh.Config{Name: "pi", Addr: "10.0.0.5:22", User: "pi", IdentityFile: "/id", AcceptNewHostKeys: true,
		Jump: &ssh.Config{Name: "bastion", Addr: "gw.example.org:2222", User: "ops", UseAgent: true, KnownHostsFile: "/k", AcceptNewHostKeys: true}}, c)

	v6, _ := inv.ByName("v6")
	c, err = ssh.ConfigFor(inv, v6, false)
	require.NoError(t, err)
	require.Equal(t, "[fe80::1]:22", c.Addr)

	loop, _ := inv.ByName("loop-a")
	_, err = ssh.ConfigFor(inv, loop, false)
	require.ErrorContains(t, err, "loop")

	here, _ := inv.ByName("here")
	_, err = ssh.ConfigFor(inv, here, false)
	require.ErrorContains(t, err, "local")
}
