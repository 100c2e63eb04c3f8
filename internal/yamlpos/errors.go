// Package yamlpos decodes YAML configuration files (experiment specs,
// inventories) strictly, through yaml.v3's Node API, so that every problem in
// a file can be reported at once with its file:line:col and YAML path.
// yaml.v3's own decoder stops at the first error and does not report
// duplicate keys with positions; walking the node tree ourselves does both.
package yamlpos

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a file, at a position, with the YAML path of the
// value it concerns (e.g. "phases.measure.duration" or "steps[2].run").
type Error struct {
	File      string
	Line, Col int
	Path      string
	Msg       string
}

// Error renders "FILE:LINE:COL: path: message" (the path is left out when
// the problem concerns the whole document), the form editors and CI logs
// turn into links.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Col)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	// One problem, one line, whatever a message quotes from the file.
	return oneLine.Replace(b.String())
}

var oneLine = strings.NewReplacer("\n", `\n`, "\r", `\r`)

// Errors is every problem found in a file, sorted by position.
type Errors []*Error

// Error renders one problem per line.
func (es *Errors) Error() string {
	lines := make([]string, len(*es))
	for i, e := range *es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find a single *Error inside the list.
func (es *Errors) Unwrap() []error {
	out := make([]error, len(*es))
	for i, e := range *es {
		out[i] = e
	}
	return out
}

// sortAndDedup orders the problems by position (then path and message) and
// drops exact repeats, so output is stable and golden files stay meaningful.
func (es Errors) sortAndDedup() Errors {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Msg < b.Msg
	})
	out := es[:0]
	for i, e := range es {
		if i > 0 && *e == *es[i-1] {
			continue
		}
		out = append(out, e)
	}
	return out
}

// AsErrors returns the list inside err, if err is (or wraps) an *Errors.
func AsErrors(err error) (Errors, bool) {
	var es *Errors
	if errors.As(err, &es) {
		return *es, true
	}
	return nil, false
}
