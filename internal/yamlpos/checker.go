package yamlpos

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Checker collects the problems of one file while its node tree is walked.
// Its methods never stop at the first problem: they report it and let the
// caller go on with the next value.
type Checker struct {
	File string
	errs Errors
	// keys maps each mapping value seen by Pairs to its key: a problem
	// with a value is reported where its key is, the start of the line
	// that the YAML path names.
	keys map[*yaml.Node]*yaml.Node
}

// Parse reads the single YAML document in data and returns its root node
// (nil when the file cannot be used at all) and a Checker holding any
// syntax problem. Empty files and files with several documents are refused.
func Parse(file string, data []byte) (root *yaml.Node, c *Checker) {
	c = &Checker{File: file}
	defer func() {
		// yaml.v3 has had panics on hostile input; a loader must not.
		if r := recover(); r != nil {
			root = nil
			c.errs = append(c.errs, &Error{File: file, Line: 1, Col: 1, Msg: fmt.Sprintf("YAML parser failed: %v", r)})
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			c.errs = append(c.errs, &Error{File: file, Line: 1, Col: 1, Msg: "the file is empty"})
			return nil, c
		}
		c.syntax(err, data)
		return nil, c
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		c.Errorf(&next, "", "only one YAML document is allowed per file (remove the second ---)")
	case !errors.Is(err, io.EOF):
		c.syntax(err, data)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		c.errs = append(c.errs, &Error{File: file, Line: 1, Col: 1, Msg: "the file is empty"})
		return nil, c
	}
	root = doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		c.Errorf(root, "", "the file holds no settings")
		return nil, c
	}
	return root, c
}

var syntaxLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntax turns a yaml.v3 parse error into a positioned Error. yaml.v3
// gives a line only sometimes, and then often the line where the enclosing
// construct started, so the line is found again by parsing prefixes (see
// badLine). The column is 1.
func (c *Checker) syntax(err error, data []byte) {
	msg := err.Error()
	line := 1
	if m := syntaxLine.FindStringSubmatch(msg); m != nil {
		if n, e := strconv.Atoi(m[1]); e == nil && n > 0 {
			line = n
		}
		msg = m[2]
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	if n := badLine(data); n > 0 {
		line = n
	}
	c.errs = append(c.errs, &Error{File: c.File, Line: line, Col: 1, Msg: "YAML syntax error: " + msg})
}

// Pos is where a problem with node n is reported: at its key if n is a
// mapping value, else at n itself; 1:1 for nil.
func (c *Checker) Pos(n *yaml.Node) (line, col int) {
	if c != nil {
		if k, ok := c.keys[n]; ok {
			n = k
		}
	}
	if n == nil || n.Line <= 0 {
		return 1, 1
	}
	return n.Line, n.Column
}

// Errorf records a problem at node n (see Pos).
func (c *Checker) Errorf(n *yaml.Node, path, format string, args ...any) {
	if c == nil {
		return
	}
	line, col := c.Pos(n)
	c.errs = append(c.errs, &Error{File: c.File, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Len is the number of problems so far.
func (c *Checker) Len() int {
	if c == nil {
		return 0
	}
	return len(c.errs)
}

// Err returns nil or an *Errors with every problem, sorted by position.
func (c *Checker) Err() error {
	if c == nil || len(c.errs) == 0 {
		return nil
	}
	es := c.errs.sortAndDedup()
	return &es
}

// Join appends a mapping key to a YAML path. A key with control or
// invisible characters is quoted, so that a path stays on one line.
func Join(path, key string) string {
	if strings.ContainsFunc(key, func(r rune) bool { return !unicode.IsPrint(r) }) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index appends a list index to a YAML path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// rescanBudget bounds the bytes parsed again to locate a syntax error
// (quadratic in the worst case: an unclosed flow mapping over every line);
// beyond it the error keeps yaml.v3's line.
const rescanBudget = 512 << 10

// badLine is the first line after the longest prefix of whole lines that
// still parses: where the file stops being YAML. It is 0 if unknown.
func badLine(data []byte) int {
	ends := []int{0} // ends[k] = length of the first k lines
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	if ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	budget := rescanBudget
	for k := len(ends) - 2; k >= 0; k-- {
		if budget -= ends[k]; budget < 0 {
			return 0
		}
		if parsesAll(data[:ends[k]]) {
			return k + 1
		}
	}
	return 0
}

// parsesAll reports whether every document in data parses.
func parsesAll(data []byte) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
	}
}
