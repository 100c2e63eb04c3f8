package spec

import (
	"fmt"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// Provision is what a spec needs on every host beyond what its parts
// (orchestrator, workload) already declare: Debian packages and kernel
// parameters, made true by `edgerig provision` and checked by `edgerig run`.
type Provision struct {
	Packages []string
	Sysctls  []Sysctl // in the order written
}

// Sysctl is one kernel parameter and the value it must have.
type Sysctl struct {
	Key, Value string
}

func (p Provision) clone() Provision {
	return Provision{Packages: slices.Clone(p.Packages), Sysctls: slices.Clone(p.Sysctls)}
}

var (
	packageRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]+$`)
	sysctlKeyRE  = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_-]+)+$`)
	sysctlValRE  = regexp.MustCompile(`^[A-Za-z0-9_.:,/ -]{1,128}$`)
	provisionKey = []string{"packages", "sysctls"}
)

func checkPackage(v string) string {
	if !packageRE.MatchString(v) {
		return fmt.Sprintf("%q is not a Debian package name (lowercase letters, digits, '.', '+', '-')", v)
	}
	return ""
}

func decodeProvision(c *yamlpos.Checker, s *Spec, n *yaml.Node) {
	f, ok := c.Fields(n, "provision", provisionKey...)
	if !ok {
		return
	}
	if v := f["packages"]; v != nil {
		if p, ok := c.Strings(v, "provision.packages", checkPackage); ok {
			s.Provision.Packages = p
		}
	}
	if v := f["sysctls"]; v != nil {
		pairs, ok := c.Pairs(v, "provision.sysctls")
		if !ok {
			return
		}
		for _, p := range pairs {
			path := yamlpos.Join("provision.sysctls", p.Key)
			if !sysctlKeyRE.MatchString(p.Key) {
				c.Errorf(p.KeyN, path, "%q is not a kernel parameter name (like net.ipv4.ip_forward)", p.Key)
				continue
			}
			val, ok := c.Scalar(p.Value, path)
			if !ok {
				continue
			}
			if !sysctlValRE.MatchString(val) {
				c.Errorf(p.Value, path, "%q is not a plain value (letters, digits, spaces and . _ : , / -)", val)
				continue
			}
			s.Provision.Sysctls = append(s.Provision.Sysctls, Sysctl{Key: p.Key, Value: val})
		}
	}
}

// encodeProvision renders the section, or nil when the spec adds nothing.
func (p Provision) encode() *yaml.Node {
	if len(p.Packages) == 0 && len(p.Sysctls) == 0 {
		return nil
	}
	m := &mapping{}
	if len(p.Packages) > 0 {
		m.add("packages", strs(p.Packages))
	}
	if len(p.Sysctls) > 0 {
		sm := &mapping{}
		for _, kv := range p.Sysctls {
			sm.add(kv.Key, str(kv.Value))
		}
		m.add("sysctls", sm.node())
	}
	return m.node()
}
