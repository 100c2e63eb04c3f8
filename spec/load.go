package spec

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// Load reads the spec file at path and parses it (see Parse).
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes a spec strictly: unknown fields, wrong types, duplicate
// keys, bad values and YAML syntax errors are all refused, every one of
// them at once, as an *Errors whose lines read "FILE:LINE:COL: path: msg".
// The matrix is checked here too, so that Trials cannot fail.
func Parse(path string, data []byte) (*Spec, error) {
	root, c := yamlpos.Parse(path, data)
	s := defaults()
	s.Path = path
	s.Source = data
	if root != nil {
		decode(c, s, root)
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	s.finish()
	return s, nil
}

var topFields = []string{"name", "description", "reference", "testbed", "repeat", "matrix",
	"orchestrator", "phases", "probe", "steps", "workload", "provision"}

func decode(c *yamlpos.Checker, s *Spec, root *yaml.Node) {
	f, ok := c.Fields(root, "", topFields...)
	if !ok {
		return
	}
	if n := f["name"]; n == nil {
		c.Errorf(root, "name", "is required (like name: idle-local)")
	} else if v, ok := c.Scalar(n, "name"); ok {
		if msg := checkSpecName(v); msg != "" {
			c.Errorf(n, "name", "%s", msg)
		} else {
			s.Name = v
		}
	}
	if n := f["description"]; n != nil {
		s.Description, _ = c.Scalar(n, "description")
	}
	if n := f["reference"]; n != nil {
		s.Reference, _ = c.StringMap(n, "reference")
	}
	if n := f["testbed"]; n != nil {
		decodeTestbed(c, s, n)
	}
	var source *yaml.Node
	if n := f["orchestrator"]; n != nil {
		source = decodeOrchestrator(c, s, n)
	}
	if n := f["phases"]; n != nil {
		decodePhases(c, s, n)
	}
	if n := f["probe"]; n != nil {
		decodeProbe(c, s, n)
	}
	if n := f["steps"]; n != nil {
		decodeSteps(c, s, n)
	}
	if n := f["workload"]; n != nil {
		s.Workload = defaultWorkload()
		if f, ok := section(c, s, n, "workload"); ok && f["kind"] == nil {
			c.Errorf(n, "workload.kind", "is required (kind: %s)", WorkloadWordCount)
		}
	}
	if n := f["provision"]; n != nil {
		decodeProvision(c, s, n)
	}
	// After steps, so that a step metric can name one.
	if n := f["repeat"]; n != nil {
		decodeRepeat(c, s, n)
	}
	// Last, so that a matrix over workload.* knows whether there is one.
	if n := f["matrix"]; n != nil {
		decodeMatrix(c, s, n)
		if s.NewTestbed != nil && slices.ContainsFunc(s.Matrix, func(a Axis) bool { return a.Key == "testbed" }) {
			c.Errorf(n, "matrix.testbed", "cannot vary the testbed when the spec makes one (testbed: {kind: ...})")
		}
	}
	checkSource(c, s, source)
}

// section decodes a mapping made only of scalar fields (orchestrator,
// workload, a phase), through the setters the matrix uses too.
func section(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) (map[string]*yaml.Node, bool) {
	var known []string
	for k := range scalars {
		if rest, ok := strings.CutPrefix(k, path+"."); ok && !strings.Contains(rest, ".") {
			known = append(known, rest)
		}
	}
	f, ok := c.Fields(n, path, known...)
	if !ok {
		return nil, false
	}
	for k, v := range f {
		if set := scalars[path+"."+k]; set != nil {
			set(c, s, v, path+"."+k)
		}
	}
	return f, true
}

func decodePhases(c *yamlpos.Checker, s *Spec, n *yaml.Node) {
	f, ok := c.Fields(n, "phases", PhaseNames...)
	if !ok {
		return
	}
	for name, v := range f {
		section(c, s, v, "phases."+name)
	}
}

func decodeProbe(c *yamlpos.Checker, s *Spec, n *yaml.Node) {
	f, ok := c.Fields(n, "probe", "interval", "containers", "daemons", "roles")
	if !ok {
		return
	}
	for _, k := range []string{"interval", "containers"} {
		if v := f[k]; v != nil {
			scalars["probe."+k](c, s, v, "probe."+k)
		}
	}
	if v := f["daemons"]; v != nil {
		if d, ok := c.Strings(v, "probe.daemons", checkProcessName); ok {
			s.Probe.Daemons = d
		}
	}
	if v := f["roles"]; v != nil {
		if r, ok := c.Strings(v, "probe.roles", yamlpos.CheckName); ok {
			s.Probe.Roles = r
			line, col := c.Pos(v)
			s.note("probe.roles", line, col, "probe.roles")
		}
	}
}

// checkProcessName accepts what can be a process's comm name.
func checkProcessName(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\n/") {
		return fmt.Sprintf("%q is not a process name", v)
	}
	return ""
}
