package yamlpos

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Pair is one key and its value in a mapping.
type Pair struct {
	Key   string
	KeyN  *yaml.Node
	Value *yaml.Node
}

// usable reports (and refuses) aliases and nulls, which no field accepts:
// aliases would let a small file expand into a huge one, and a key without
// a value is almost always a mistake.
func (c *Checker) usable(n *yaml.Node, path string) bool {
	if n == nil {
		return false
	}
	if n.Kind == yaml.AliasNode {
		c.Errorf(n, path, "aliases (*%s) are not supported: write the value out", n.Value)
		return false
	}
	if t := n.ShortTag(); strings.HasPrefix(t, "!") && !strings.HasPrefix(t, "!!") {
		c.Errorf(n, path, "custom YAML tags (%s) are not supported", t)
		return false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		c.Errorf(n, path, "has no value (give one or remove the key)")
		return false
	}
	return true
}

// Describe names what a node is, for "must be X, not Y" messages.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	}
	switch n.ShortTag() {
	case "!!int", "!!float":
		return "a number (" + n.Value + ")"
	case "!!bool":
		return "a boolean (" + n.Value + ")"
	case "!!null":
		return "empty"
	case "!!str":
		return "a string"
	}
	return "a " + n.ShortTag() + " value"
}

// Pairs returns the entries of a mapping node in file order, refusing
// non-mappings, non-string keys and duplicate keys (yaml.v3 accepts those
// silently when decoding into a Node).
func (c *Checker) Pairs(n *yaml.Node, path string) ([]Pair, bool) {
	if !c.usable(n, path) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		c.Errorf(n, path, "must be a mapping (key: value), not %s", Describe(n))
		return nil, false
	}
	seen := map[string]*yaml.Node{}
	var out []Pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
			c.Errorf(k, path, "keys must be plain names, not %s", Describe(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			c.Errorf(k, Join(path, k.Value), "duplicate key (first given at line %d)", first.Line)
			continue
		}
		seen[k.Value] = k
		if c != nil {
			if c.keys == nil {
				c.keys = map[*yaml.Node]*yaml.Node{}
			}
			c.keys[v] = k
		}
		out = append(out, Pair{Key: k.Value, KeyN: k, Value: v})
	}
	return out, true
}

// Fields walks a mapping whose keys must be among known: unknown keys are
// reported (with the closest known one as a hint) and the known ones are
// returned by name.
func (c *Checker) Fields(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, bool) {
	pairs, ok := c.Pairs(n, path)
	if !ok {
		return nil, false
	}
	out := make(map[string]*yaml.Node, len(pairs))
	for _, p := range pairs {
		if !slices.Contains(known, p.Key) {
			c.Errorf(p.KeyN, Join(path, p.Key), "unknown field%s", Hint(p.Key, known))
			continue
		}
		out[p.Key] = p.Value
	}
	return out, true
}

// Hint returns ` (did you mean "x"?)` for the known word closest to word,
// or the list of known words when none is close.
func Hint(word string, known []string) string {
	best, dist := "", 1<<30
	for _, k := range known {
		if d := distance(word, k); d < dist {
			best, dist = k, d
		}
	}
	if best != "" && dist <= max(2, len(word)/3) {
		return ` (did you mean "` + best + `"?)`
	}
	if len(known) == 0 {
		return ""
	}
	sorted := append([]string(nil), known...)
	sort.Strings(sorted)
	return " (known: " + strings.Join(sorted, ", ") + ")"
}

// distance is the Levenshtein edit distance, for Hint.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Scalar returns the text of a scalar node of any tag (numbers and booleans
// included, as written), for free-text fields such as descriptions and argv.
func (c *Checker) Scalar(n *yaml.Node, path string) (string, bool) {
	if !c.usable(n, path) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		c.Errorf(n, path, "must be a single value, not %s", Describe(n))
		return "", false
	}
	return n.Value, true
}

// Bool decodes true or false.
func (c *Checker) Bool(n *yaml.Node, path string) (bool, bool) {
	s, ok := c.Scalar(n, path)
	if !ok {
		return false, false
	}
	if n.ShortTag() != "!!bool" {
		c.Errorf(n, path, "%q is not true or false", s)
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		c.Errorf(n, path, "%q is not true or false", s)
		return false, false
	}
	return b, true
}

// Int decodes a whole number within [lo, hi].
func (c *Checker) Int(n *yaml.Node, path string, lo, hi int) (int, bool) {
	s, ok := c.Scalar(n, path)
	if !ok {
		return 0, false
	}
	var v int
	if n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		c.Errorf(n, path, "%q is not a whole number", s)
		return 0, false
	}
	if v < lo || v > hi {
		c.Errorf(n, path, "%d is out of range (%d..%d)", v, lo, hi)
		return 0, false
	}
	return v, true
}

// Seq returns the items of a list node.
func (c *Checker) Seq(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	if !c.usable(n, path) {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		c.Errorf(n, path, "must be a list ([a, b] or - items), not %s", Describe(n))
		return nil, false
	}
	return n.Content, true
}

// Strings decodes a list of scalars; each item goes through check (which
// may be nil) so that bad items are reported one by one.
func (c *Checker) Strings(n *yaml.Node, path string, check func(s string) string) ([]string, bool) {
	items, ok := c.Seq(n, path)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(items))
	good := true
	for i, it := range items {
		p := Index(path, i)
		s, ok := c.Scalar(it, p)
		if ok && check != nil {
			if msg := check(s); msg != "" {
				c.Errorf(it, p, "%s", msg)
				ok = false
			}
		}
		if !ok {
			good = false
			continue
		}
		out = append(out, s)
	}
	return out, good
}

// StringMap decodes a mapping of names to free-text scalars.
func (c *Checker) StringMap(n *yaml.Node, path string) (map[string]string, bool) {
	pairs, ok := c.Pairs(n, path)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(pairs))
	good := true
	for _, p := range pairs {
		s, ok := c.Scalar(p.Value, Join(path, p.Key))
		if !ok {
			good = false
			continue
		}
		out[p.Key] = s
	}
	return out, good
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// CheckName returns "" for a valid host, role or testbed name, or why not.
func CheckName(s string) string {
	if len(s) > 253 {
		return "is too long (at most 253 characters)"
	}
	if !nameRE.MatchString(s) {
		return strconv.Quote(s) + " is not a valid name (letters, digits, '.', '_', '-'; starting with a letter or digit)"
	}
	return ""
}
