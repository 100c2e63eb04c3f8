// Package inventory loads hosts.yaml: the machines an experiment runs on,
// how to reach them over SSH (address, port, user, key or agent, jump host,
// known_hosts), their roles and labels, and named testbeds (sets of hosts).
//
// Load is as strict as spec.Load: unknown fields, wrong types, duplicate
// keys and dangling references (a jump or testbed naming no host) are all
// reported at once as an *Errors with "FILE:LINE:COL: path: message" lines.
//
// Schema:
//
//	defaults: {user: root, port: 22, identity: ~/.ssh/id_ed25519, known_hosts: ~/.ssh/known_hosts, agent: false}
//	hosts:                       # required, at least one
//	  - name: pi-master          # required, unique, [A-Za-z0-9][A-Za-z0-9._-]*
//	    address: 192.168.1.10    # required unless local: true
//	    port: 22                 # 1..65535; default from defaults, else 22
//	    user: pi
//	    identity: keys/id_ed25519
//	    agent: false             # also use ssh-agent ($SSH_AUTH_SOCK)
//	    jump: bastion            # another (non-local) host of this inventory
//	    known_hosts: known_hosts
//	    local: false             # true: this machine, no SSH (no address, port, user, ...)
//	    roles: [master]
//	    labels: {hardware: rpi3}
//	testbeds:                    # name → host names
//	  local: [local]
//	default_testbed: local       # default: the only testbed, if there is one
//
// Defaults apply to every host that is not local. Without testbeds, the
// default testbed is every host.
//
// Relative identity and known_hosts paths are taken relative to the
// inventory file, and a leading ~ is the user's home, so that an inventory
// generated into a directory (by edgerig testbed up) carries its own keys.
// Load does not open those files: they may not exist yet when a plan is
// printed.
package inventory

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// Error is one problem in an inventory file; Errors is every problem of a
// file (the same types as spec.Error and spec.Errors).
type (
	Error  = yamlpos.Error
	Errors = yamlpos.Errors
)

// Inventory is a loaded hosts.yaml, with defaults applied to every host.
type Inventory struct {
	Path           string
	Hosts          []Host
	Testbeds       map[string][]string // testbed name → host names, in file order
	DefaultTestbed string
}

// Host is one machine. A Local host is this machine, reached by the local
// transport: it has no address and no SSH settings.
type Host struct {
	Name       string
	Address    string
	Port       int
	User       string
	Identity   string // private key file, absolute; "" for none
	Agent      bool   // also offer the keys of ssh-agent ($SSH_AUTH_SOCK)
	Jump       string // name of the host to go through, "" for none
	KnownHosts string // known_hosts file, absolute; "" for the transport's default
	Local      bool
	Roles      []string
	Labels     map[string]string
}

// Load reads and checks the inventory file at path.
func Load(path string) (*Inventory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("inventory: %w", err)
	}
	return Parse(path, data)
}

// ByName returns the host called name.
func (inv *Inventory) ByName(name string) (Host, bool) {
	for _, h := range inv.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return Host{}, false
}

// Testbed returns the hosts of the named testbed, in the order the testbed
// lists them; "" is the default testbed. An inventory without testbeds has
// one implicit testbed: all its hosts.
func (inv *Inventory) Testbed(name string) ([]Host, error) {
	if name == "" {
		name = inv.DefaultTestbed
	}
	if name == "" {
		if len(inv.Testbeds) == 0 {
			return slices.Clone(inv.Hosts), nil
		}
		return nil, fmt.Errorf("%s: no testbed given and no default_testbed set (known: %s)", inv.Path, strings.Join(inv.TestbedNames(), ", "))
	}
	names, ok := inv.Testbeds[name]
	if !ok {
		known := "none"
		if len(inv.Testbeds) > 0 {
			known = strings.Join(inv.TestbedNames(), ", ")
		}
		return nil, fmt.Errorf("%s: unknown testbed %q (known: %s)", inv.Path, name, known)
	}
	out := make([]Host, 0, len(names))
	for _, n := range names {
		h, ok := inv.ByName(n)
		if !ok { // Load refuses this; only a hand-built Inventory gets here
			return nil, fmt.Errorf("%s: testbed %q names unknown host %q", inv.Path, name, n)
		}
		out = append(out, h)
	}
	return out, nil
}

// TestbedNames lists the testbeds, sorted.
func (inv *Inventory) TestbedNames() []string {
	names := make([]string, 0, len(inv.Testbeds))
	for n := range inv.Testbeds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// HasRole reports whether h has role.
func HasRole(h Host, role string) bool {
	return slices.Contains(h.Roles, role)
}

// WithRole returns the hosts among hosts that have role, in order.
func WithRole(hosts []Host, role string) []Host {
	var out []Host
	for _, h := range hosts {
		if HasRole(h, role) {
			out = append(out, h)
		}
	}
	return out
}

// Roles lists every role some host among hosts has, sorted, once each
// (what spec.CheckRoles takes).
func Roles(hosts []Host) []string {
	var out []string
	for _, h := range hosts {
		for _, r := range h.Roles {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	sort.Strings(out)
	return out
}
