package spec

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

var stepFields = []string{"name", "phase", "roles", "run", "timeout", "ignore_error"}

// defaultStepTimeout bounds a step that does not say how long it may take.
const defaultStepTimeout = time.Minute

func decodeSteps(c *yamlpos.Checker, s *Spec, n *yaml.Node) {
	items, ok := c.Seq(n, "steps")
	if !ok {
		return
	}
	s.Steps = make([]Step, 0, len(items))
	for i, it := range items {
		s.Steps = append(s.Steps, decodeStep(c, it, yamlpos.Index("steps", i), i))
	}
}

func decodeStep(c *yamlpos.Checker, n *yaml.Node, path string, i int) Step {
	st := Step{Name: fmt.Sprintf("step-%d", i+1), Phase: PhaseSetup, Timeout: defaultStepTimeout}
	f, ok := c.Fields(n, path, stepFields...)
	if !ok {
		return st
	}
	if v := f["name"]; v != nil {
		if name, ok := c.Scalar(v, path+".name"); ok {
			if name == "" {
				c.Errorf(v, path+".name", "must not be empty")
			}
			st.Name = name
		}
	}
	if v := f["phase"]; v != nil {
		if ph, ok := c.Scalar(v, path+".phase"); ok {
			if !slices.Contains(PhaseNames, ph) {
				c.Errorf(v, path+".phase", "%q is not one of %s", ph, strings.Join(PhaseNames, ", "))
			}
			st.Phase = ph
		}
	}
	if v := f["roles"]; v == nil {
		c.Errorf(n, path+".roles", "is required (like roles: [master])")
	} else if roles, ok := c.Strings(v, path+".roles", yamlpos.CheckName); ok {
		line, col := c.Pos(v)
		st.rolesAt = origin{line, col, path + ".roles"}
		if len(roles) == 0 {
			c.Errorf(v, path+".roles", "must name at least one role")
		}
		st.Roles = roles
	}
	if v := f["run"]; v == nil {
		c.Errorf(n, path+".run", "is required (an argv list like run: [docker, info])")
	} else if v.Kind == yaml.ScalarNode && v.ShortTag() != "!!null" {
		c.Errorf(v, path+".run", "must be an argv list like [docker, info], not a shell string")
	} else if argv, ok := c.Strings(v, path+".run", nil); ok {
		switch {
		case len(argv) == 0 || argv[0] == "":
			c.Errorf(v, path+".run", "must name a program to run")
		case strings.ContainsAny(argv[0], " \t"):
			// Almost always a command line squeezed into one item.
			c.Errorf(v.Content[0], path+".run[0]", "%q is one item with a space: give the program and each argument as its own item (like [docker, info])", argv[0])
		}
		st.Run = argv
	}
	if v := f["timeout"]; v != nil {
		if t, ok := c.Scalar(v, path+".timeout"); ok {
			if d, err := ParseDuration(t); err != nil {
				c.Errorf(v, path+".timeout", "%v", err)
			} else {
				st.Timeout = d
			}
		}
	}
	if v := f["ignore_error"]; v != nil {
		st.IgnoreError, _ = c.Bool(v, path+".ignore_error")
	}
	return st
}
