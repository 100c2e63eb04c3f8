package containers

import (
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// File names the testbed writes into its directory. hosts.yaml names the
// other two relative to itself.
const (
	HostsFile      = "hosts.yaml"
	KnownHostsFile = "known_hosts"
	IdentityFile   = "id_ed25519"
	StateFile      = "testbed.json"
)

// Roles gives node i (0-based) of n its roles: the first node is the
// master and runs the Spark driver; the others are workers and collectors.
// A lone node has every role.
func Roles(i, n int) []string {
	switch {
	case n == 1:
		return []string{"master", "worker", "collector", "spark-driver"}
	case i == 0:
		return []string{"master", "spark-driver"}
	default:
		return []string{"worker", "collector"}
	}
}

// HostsYAML renders the inventory of a container testbed, in the format
// that package inventory loads. It is written by hand rather than marshalled
// so that it stays one readable line per host.
func HostsYAML(id string, nodes []Node) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Container testbed %s, written by `edgerig testbed up containers`;\n", id)
	b.WriteString("# `edgerig testbed down containers` removes it. Paths are relative to this file.\n")
	fmt.Fprintf(&b, "defaults: {user: root, port: 22, identity: %s, known_hosts: %s}\n", IdentityFile, KnownHostsFile)
	b.WriteString("hosts:\n")
	names := make([]string, len(nodes))
	for i, n := range nodes {
		names[i] = n.Name
		fmt.Fprintf(&b, "  - {name: %s, address: %s, roles: [%s], labels: {%s}}\n",
			n.Name, n.Address, strings.Join(n.Roles, ", "), n.labels())
	}
	b.WriteString("testbeds:\n")
	fmt.Fprintf(&b, "  containers: [%s]\n", strings.Join(names, ", "))
	b.WriteString("default_testbed: containers\n")
	return []byte(b.String())
}

// labels are a node's inventory labels: hardware "container" for a plain
// node; for one in an envelope the board it poses as, marked emulated, and
// how (which every report shows beside the host).
func (n Node) labels() string {
	if n.Envelope == nil {
		return "hardware: container"
	}
	return fmt.Sprintf("hardware: %q, envelope: %q", Hardware(n.Envelope.Board), n.Envelope.Summary())
}

// Hardware is the hardware label of a node posing as board.
func Hardware(board string) string { return board + " (emulated)" }

// KnownHosts renders one known_hosts line per node, with the host key the
// testbed wrote into it, so that a client can check keys strictly.
func KnownHosts(nodes []Node) ([]byte, error) {
	var b strings.Builder
	for _, n := range nodes {
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(n.HostKey))
		if err != nil {
			return nil, fmt.Errorf("host key of %s: %w", n.Name, err)
		}
		b.WriteString(knownhosts.Line([]string{n.Address}, pub))
		b.WriteByte('\n')
	}
	return []byte(b.String()), nil
}
