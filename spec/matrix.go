package spec

import (
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// decodeMatrix checks every axis: its key must be a scalar field of the
// schema and every value must decode into that field, exactly as if it
// had been written there.
func decodeMatrix(c *yamlpos.Checker, s *Spec, node *yaml.Node) {
	pairs, ok := c.Pairs(node, "matrix")
	if !ok {
		return
	}
	keys := MatrixKeys()
	sort.Strings(keys)
	for _, p := range pairs {
		path := yamlpos.Join("matrix", p.Key)
		set := scalars[p.Key]
		if set == nil {
			c.Errorf(p.KeyN, path, "is not a field a matrix can vary%s", yamlpos.Hint(p.Key, keys))
			continue
		}
		if strings.HasPrefix(p.Key, "workload.") && s.Workload == nil {
			c.Errorf(p.KeyN, path, "varies the workload, but the spec has no workload section")
			continue
		}
		items, ok := c.Seq(p.Value, path)
		if !ok {
			continue
		}
		if len(items) == 0 {
			c.Errorf(p.Value, path, "must list at least one value")
			continue
		}
		axis := Axis{Key: p.Key}
		var nodes []valueNode
		seen := map[string]bool{}
		good := true
		for i, it := range items {
			ip := yamlpos.Index(path, i)
			scratch := s.Clone()
			if !set(c, scratch, it, ip) {
				good = false
				continue
			}
			if seen[it.Value] {
				c.Errorf(it, ip, "%q is listed twice", it.Value)
				good = false
				continue
			}
			seen[it.Value] = true
			axis.Values = append(axis.Values, it.Value)
			nodes = append(nodes, it)
		}
		if good {
			s.Matrix = append(s.Matrix, axis)
			s.matrixNodes = append(s.matrixNodes, nodes)
		}
	}
	n := max(s.Repeat, 1)
	if s.Until != nil {
		n = s.Until.Max
	}
	for _, a := range s.Matrix {
		if n *= len(a.Values); n > MaxTrials {
			break
		}
	}
	if n > MaxTrials {
		c.Errorf(node, "matrix", "expands into more than %d trials (with repeat: %d)", MaxTrials, s.Repeat)
	}
}

// MaxTrials bounds how many trials a spec may expand into: more is a
// mistake in the matrix, and would take weeks to run.
const MaxTrials = 10000
