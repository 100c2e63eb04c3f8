package main

import (
	"os"
	"strings"

	"gopkg.in/yaml.v3"
)

// runnerProblemPos places a problem the runner found (it knows trials, not
// YAML) in the spec file: at the value that chose what it refuses — the
// matrix value when the matrix varies that key, else the key itself.
// Falls back to 1:1 and "spec" when the file cannot be read or the key
// is not written (a default).
func runnerProblemPos(specPath, msg string) (line, col int, path string) {
	key := ""
	switch {
	case strings.Contains(msg, "orchestrator kubernetes: install"), strings.Contains(msg, "orchestrator kubernetes: kubernetes:"):
		key = "orchestrator.kubernetes.install"
	case strings.Contains(msg, "orchestrator"):
		key = "orchestrator.kind"
	case strings.Contains(msg, "workload"):
		key = "workload.kind"
	case strings.Contains(msg, "steps["):
		key = "steps"
	}
	b, err := os.ReadFile(specPath)
	if key == "" || err != nil {
		return 1, 1, "spec"
	}
	var doc yaml.Node
	if yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return 1, 1, "spec"
	}
	root := doc.Content[0]
	// A matrix value naming the refused thing, e.g. kubernetes in
	// matrix.orchestrator.kind: [swarm, kubernetes].
	if m := mapValue(root, "matrix"); m != nil {
		if vals := mapValue(m, key); vals != nil {
			for _, v := range vals.Content {
				if v.Kind == yaml.ScalarNode && strings.Contains(msg, `"`+v.Value+`"`) {
					return v.Line, v.Column, "matrix." + key
				}
			}
		}
	}
	parts := strings.Split(key, ".")
	n := root
	for i, p := range parts {
		next := mapKey(n, p)
		if next == nil {
			if i > 0 {
				return n.Line, n.Column, strings.Join(parts[:i], ".")
			}
			return 1, 1, "spec"
		}
		if i == len(parts)-1 {
			return next.Line, next.Column, key
		}
		n = mapValue(n, p)
	}
	return 1, 1, "spec"
}

// topKeyPos is where the top-level key k is written in the spec file, or
// 1:1 when it is not.
func topKeyPos(specPath, k string) (line, col int) {
	b, err := os.ReadFile(specPath)
	var doc yaml.Node
	if err != nil || yaml.Unmarshal(b, &doc) != nil || len(doc.Content) == 0 {
		return 1, 1
	}
	if n := mapKey(doc.Content[0], k); n != nil {
		return n.Line, n.Column
	}
	return 1, 1
}

// mapKey returns the key node k of mapping n, or nil.
func mapKey(n *yaml.Node, k string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i]
		}
	}
	return nil
}

// mapValue returns the value node of key k in mapping n, or nil.
func mapValue(n *yaml.Node, k string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == k {
			return n.Content[i+1]
		}
	}
	return nil
}
