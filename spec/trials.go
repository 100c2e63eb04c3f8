package spec

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// Trial is one run of the experiment: one combination of matrix values,
// one repetition.
type Trial struct {
	ID     string            // "t1", "t2", ... in run order
	Params map[string]string // matrix key → value, as written in the file
	Repeat int               // 1-based repetition of these Params
	Spec   *Spec             // a copy of the spec with Params applied, typed (its Matrix is kept, as the trial's origin)
}

// Trials expands the matrix and repeat into trials: the cartesian product
// of the axes in file order (the first axis varies slowest), each
// combination repeated Repeat times in a row. A spec without a matrix
// gives Repeat trials with empty Params.
func (s *Spec) Trials() []Trial {
	combos := [][]int{{}}
	for _, a := range s.Matrix {
		var next [][]int
		for _, c := range combos {
			for i := range a.Values {
				next = append(next, append(append([]int(nil), c...), i))
			}
		}
		combos = next
	}
	repeat := max(s.Repeat, 1)
	out := make([]Trial, 0, len(combos)*repeat)
	for _, combo := range combos {
		params := make(map[string]string, len(combo))
		for ai, vi := range combo {
			params[s.Matrix[ai].Key] = s.Matrix[ai].Values[vi]
		}
		for r := 1; r <= repeat; r++ {
			ts := s.Clone()
			for ai, vi := range combo {
				// Validated by Parse: cannot fail, so no checker.
				key := s.Matrix[ai].Key
				scalars[key](nil, ts, s.axisValue(ai, vi), yamlpos.Index(yamlpos.Join("matrix", key), vi))
			}
			ts.finish()
			p := make(map[string]string, len(params))
			for k, v := range params {
				p[k] = v
			}
			out = append(out, Trial{ID: "t" + strconv.Itoa(len(out)+1), Params: p, Repeat: r, Spec: ts})
		}
	}
	return out
}

// axisValue is the node of a matrix value: the one Parse checked, or, for a
// Spec built by hand, the value's text read as YAML (an invalid value then
// leaves the field unchanged).
func (s *Spec) axisValue(ai, vi int) *yaml.Node {
	if ai < len(s.matrixNodes) && vi < len(s.matrixNodes[ai]) {
		return s.matrixNodes[ai][vi]
	}
	var doc yaml.Node
	v := s.Matrix[ai].Values[vi]
	if err := yaml.Unmarshal([]byte(v), &doc); err != nil || len(doc.Content) == 0 {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: v}
	}
	return doc.Content[0]
}
