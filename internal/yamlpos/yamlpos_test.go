package yamlpos

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBadLine(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
	}{
		{"tab", "a: 1\nb:\n\tc: 1\n", 3},
		{"indent", "a:\n  b: 1\n c: 2\n", 3},
		{"multi-line string before", "a: \"x\n  y\"\nb: [1,\n  2]\nc: 1\n d: 2\n", 6},
		{"unclosed flow", "a: 1\nb: [1, 2\nc: 3\n", 2},
		{"no newline at end", "a: 1\nb: c: d", 2},
		{"second document", "a: 1\n---\nb: [\n", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c := Parse("f.yaml", []byte(tc.src))
			err := c.Err()
			require.Error(t, err)
			es, ok := AsErrors(err)
			require.True(t, ok)
			require.Len(t, es, 1)
			require.Equal(t, tc.line, es[0].Line, es[0].Error())
		})
	}
}

// TestBadLineBounded checks a pathological file (every prefix fails at
// its end) is not rescanned quadratically without bound.
func TestBadLineBounded(t *testing.T) {
	src := "a: {" + strings.Repeat("k: v,\n", 2000)
	start := time.Now()
	_, c := Parse("f.yaml", []byte(src))
	require.Error(t, c.Err())
	t.Logf("%d bytes located in %v", len(src), time.Since(start))
}

func TestErrorsRendering(t *testing.T) {
	c := &Checker{File: "x.yaml"}
	c.Errorf(nil, "", "whole file")
	c.errs = append(c.errs, &Error{File: "x.yaml", Line: 3, Col: 5, Path: "a.b", Msg: "bad"})
	c.errs = append(c.errs, &Error{File: "x.yaml", Line: 2, Col: 9, Path: "a", Msg: "worse"})
	c.errs = append(c.errs, &Error{File: "x.yaml", Line: 2, Col: 9, Path: "a", Msg: "worse"})
	require.EqualError(t, c.Err(), "x.yaml:1:1: whole file\nx.yaml:2:9: a: worse\nx.yaml:3:5: a.b: bad")
	var nilChecker *Checker
	nilChecker.Errorf(nil, "", "ignored")
	require.NoError(t, nilChecker.Err())
}

func TestHint(t *testing.T) {
	known := []string{"interval", "containers", "daemons", "roles"}
	require.Equal(t, ` (did you mean "interval"?)`, Hint("intervall", known))
	require.Equal(t, ` (did you mean "roles"?)`, Hint("role", known))
	require.Equal(t, " (known: containers, daemons, interval, roles)", Hint("zzzzzzzz", known))
}
