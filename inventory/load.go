package inventory

import (
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

var (
	topFields     = []string{"defaults", "hosts", "testbeds", "default_testbed"}
	defaultFields = []string{"user", "port", "identity", "agent", "known_hosts"}
	hostFields    = []string{"name", "address", "port", "user", "identity", "agent", "jump", "known_hosts", "local", "roles", "labels"}
	// sshFields make no sense for a local host.
	sshFields = []string{"address", "port", "user", "identity", "agent", "jump", "known_hosts"}
)

// loader carries what checks across hosts need: where each host and jump
// was written, for positioned errors about references.
type ref struct {
	node *yaml.Node
	path string
}

type loader struct {
	c     *yamlpos.Checker
	dir   string // the inventory's directory, for relative paths
	inv   *Inventory
	nodes map[string]*yaml.Node // host name → its name node
	jumps map[string]ref        // host name → where its jump is written
}

// Parse checks and decodes inventory data read from path.
func Parse(path string, data []byte) (*Inventory, error) {
	root, c := yamlpos.Parse(path, data)
	dir := filepath.Dir(path)
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	l := &loader{c: c, dir: dir, inv: &Inventory{Path: path, Testbeds: map[string][]string{}},
		nodes: map[string]*yaml.Node{}, jumps: map[string]ref{}}
	if root != nil {
		l.decode(root)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	return l.inv, nil
}

func (l *loader) decode(root *yaml.Node) {
	f, ok := l.c.Fields(root, "", topFields...)
	if !ok {
		return
	}
	def := Host{Port: 22}
	if n := f["defaults"]; n != nil {
		if df, ok := l.c.Fields(n, "defaults", defaultFields...); ok {
			l.sshSettings(&def, df, "defaults")
		}
	}
	if n := f["hosts"]; n == nil {
		l.c.Errorf(root, "hosts", "is required (a list of hosts)")
	} else if items, ok := l.c.Seq(n, "hosts"); ok {
		if len(items) == 0 {
			l.c.Errorf(n, "hosts", "must list at least one host")
		}
		for i, it := range items {
			l.host(it, yamlpos.Index("hosts", i), def)
		}
		l.checkJumps()
	}
	if n := f["testbeds"]; n != nil {
		l.testbeds(n)
	}
	if n := f["default_testbed"]; n != nil {
		if v, ok := l.c.Scalar(n, "default_testbed"); ok {
			if _, known := l.inv.Testbeds[v]; !known {
				l.c.Errorf(n, "default_testbed", "%q is not a testbed of this inventory%s", v, yamlpos.Hint(v, l.inv.TestbedNames()))
			}
			l.inv.DefaultTestbed = v
		}
	} else if len(l.inv.Testbeds) == 1 {
		l.inv.DefaultTestbed = l.inv.TestbedNames()[0]
	}
}

func (l *loader) host(n *yaml.Node, path string, def Host) {
	f, ok := l.c.Fields(n, path, hostFields...)
	if !ok {
		return
	}
	h := Host{}
	if v := f["name"]; v == nil {
		l.c.Errorf(n, path+".name", "is required")
	} else if name, ok := l.c.Scalar(v, path+".name"); ok {
		if msg := yamlpos.CheckName(name); msg != "" {
			l.c.Errorf(v, path+".name", "%s", msg)
		} else if first, dup := l.nodes[name]; dup {
			l.c.Errorf(v, path+".name", "host %q is already defined at line %d", name, first.Line)
		} else {
			l.nodes[name] = v
		}
		h.Name = name
	}
	if v := f["local"]; v != nil {
		h.Local, _ = l.c.Bool(v, path+".local")
	}
	if h.Local {
		for _, k := range sshFields {
			if v := f[k]; v != nil {
				l.c.Errorf(v, path+"."+k, "a local host (local: true) is reached without SSH and takes no %s", k)
			}
		}
	} else {
		h.Port, h.User, h.Identity, h.Agent, h.KnownHosts = def.Port, def.User, def.Identity, def.Agent, def.KnownHosts
		l.sshSettings(&h, f, path)
		if v := f["address"]; v == nil {
			l.c.Errorf(n, path+".address", "is required (or local: true for this machine)")
		} else if a, ok := l.c.Scalar(v, path+".address"); ok {
			switch {
			case a == "" || strings.ContainsAny(a, " \t\r\n/"):
				l.c.Errorf(v, path+".address", "%q is not a host name or IP address", a)
			case strings.Contains(a, "@"):
				l.c.Errorf(v, path+".address", "%q: give the user in user:, not in the address", a)
			}
			h.Address = a
		}
		if v := f["jump"]; v != nil {
			if j, ok := l.c.Scalar(v, path+".jump"); ok {
				h.Jump = j
				l.jumps[h.Name] = ref{v, path + ".jump"}
			}
		}
	}
	if v := f["roles"]; v != nil {
		if roles, ok := l.c.Strings(v, path+".roles", yamlpos.CheckName); ok {
			h.Roles = roles
		}
		if v.Kind == yaml.SequenceNode {
			seen := map[string]bool{}
			for i, it := range v.Content {
				if it.Kind == yaml.ScalarNode && seen[it.Value] {
					l.c.Errorf(it, yamlpos.Index(path+".roles", i), "role %q is listed twice", it.Value)
				}
				seen[it.Value] = true
			}
		}
	}
	if h.Roles == nil {
		h.Roles = []string{}
	}
	h.Labels = map[string]string{}
	if v := f["labels"]; v != nil {
		if labels, ok := l.c.StringMap(v, path+".labels"); ok {
			h.Labels = labels
		}
	}
	l.inv.Hosts = append(l.inv.Hosts, h)
}

// sshSettings decodes the fields shared by defaults and hosts.
func (l *loader) sshSettings(h *Host, f map[string]*yaml.Node, path string) {
	if v := f["port"]; v != nil {
		if p, ok := l.c.Int(v, path+".port", 1, 65535); ok {
			h.Port = p
		}
	}
	if v := f["user"]; v != nil {
		if u, ok := l.c.Scalar(v, path+".user"); ok {
			if u == "" || strings.ContainsAny(u, " \t\r\n@:/") {
				l.c.Errorf(v, path+".user", "%q is not a user name", u)
			}
			h.User = u
		}
	}
	if v := f["agent"]; v != nil {
		h.Agent, _ = l.c.Bool(v, path+".agent")
	}
	if v := f["identity"]; v != nil {
		h.Identity = l.file(v, path+".identity")
	}
	if v := f["known_hosts"]; v != nil {
		h.KnownHosts = l.file(v, path+".known_hosts")
	}
}

// file resolves a path written in the inventory: ~ is the home directory,
// a relative path is relative to the inventory file.
func (l *loader) file(n *yaml.Node, path string) string {
	p, ok := l.c.Scalar(n, path)
	if !ok {
		return ""
	}
	if p == "" {
		l.c.Errorf(n, path, "must not be empty (remove the key instead)")
		return ""
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			l.c.Errorf(n, path, "cannot expand ~: %v", err)
			return p
		}
		return filepath.Join(home, p[1:])
	}
	if strings.HasPrefix(p, "~") {
		l.c.Errorf(n, path, "%q: only ~/ (your own home) is expanded", p)
		return p
	}
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(l.dir, p)
}

// checkJumps refuses jumps to unknown or local hosts and jump loops.
func (l *loader) checkJumps() {
	for _, h := range l.inv.Hosts {
		r := l.jumps[h.Name]
		if h.Jump == "" || r.node == nil {
			continue
		}
		n, path := r.node, r.path
		j, ok := l.inv.ByName(h.Jump)
		switch {
		case !ok:
			l.c.Errorf(n, path, "%q is not a host of this inventory%s", h.Jump, yamlpos.Hint(h.Jump, l.hostNames()))
		case j.Local:
			l.c.Errorf(n, path, "%q is a local host and cannot be a jump host", h.Jump)
		case h.Jump == h.Name:
			l.c.Errorf(n, path, "a host cannot be its own jump host")
		default:
			seen := map[string]bool{h.Name: true}
			for cur := j; cur.Jump != ""; {
				if seen[cur.Name] || seen[cur.Jump] {
					l.c.Errorf(n, path, "jump hosts form a loop through %q", cur.Jump)
					break
				}
				seen[cur.Name] = true
				next, ok := l.inv.ByName(cur.Jump)
				if !ok {
					break // reported on that host
				}
				cur = next
			}
		}
	}
}

func (l *loader) hostNames() []string {
	out := make([]string, 0, len(l.inv.Hosts))
	for _, h := range l.inv.Hosts {
		out = append(out, h.Name)
	}
	return out
}

func (l *loader) testbeds(n *yaml.Node) {
	pairs, ok := l.c.Pairs(n, "testbeds")
	if !ok {
		return
	}
	for _, p := range pairs {
		path := yamlpos.Join("testbeds", p.Key)
		if msg := yamlpos.CheckName(p.Key); msg != "" {
			l.c.Errorf(p.KeyN, path, "%s", msg)
			continue
		}
		names, ok := l.c.Strings(p.Value, path, nil)
		if !ok {
			continue
		}
		if len(names) == 0 {
			l.c.Errorf(p.Value, path, "must list at least one host")
		}
		seen := map[string]bool{}
		for i, name := range names {
			item := p.Value.Content[i]
			ip := yamlpos.Index(path, i)
			if _, known := l.nodes[name]; !known {
				l.c.Errorf(item, ip, "%q is not a host of this inventory%s", name, yamlpos.Hint(name, l.hostNames()))
			} else if seen[name] {
				l.c.Errorf(item, ip, "host %q is listed twice", name)
			}
			seen[name] = true
		}
		l.inv.Testbeds[p.Key] = names
	}
}
