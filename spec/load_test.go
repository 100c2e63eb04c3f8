package spec

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the testdata/*.golden files")

// TestLoadGolden loads every testdata/*.yaml and compares what comes out
// (the problems of a bad spec, or the spec as run and its trials for a good
// one) with testdata/*.golden.
func TestLoadGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			got := render(t, file)
			golden := strings.TrimSuffix(file, ".yaml") + ".golden"
			if *update {
				require.NoError(t, os.WriteFile(golden, []byte(got), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./spec -update to create it")
			require.Equal(t, string(want), got)
			// Files named bad-* must be refused, the others accepted.
			require.Equal(t, strings.HasPrefix(name, "bad-"), strings.HasPrefix(got, "error:\n"), "outcome does not match the file's name")
		})
	}
}

var errLine = regexp.MustCompile(`^testdata/[a-z0-9-]+\.yaml:[1-9][0-9]*:[1-9][0-9]*: \S`)

func render(t *testing.T, file string) string {
	s, err := Load(file)
	if err != nil {
		var es *Errors
		require.True(t, errors.As(err, &es), "not an *Errors: %v", err)
		for _, line := range strings.Split(err.Error(), "\n") {
			require.Regexp(t, errLine, line)
		}
		return "error:\n" + err.Error() + "\n"
	}
	var b strings.Builder
	b.WriteString("spec:\n")
	b.Write(s.Marshal())
	b.WriteString("trials:\n")
	for _, tr := range s.Trials() {
		fmt.Fprintf(&b, "  %s repeat=%d %s | measure=%s quick=%s kind=%s\n", tr.ID, tr.Repeat, params(tr.Params),
			Duration(tr.Spec.Phases.Measure.Length(false)), Duration(tr.Spec.Phases.Measure.Length(true)), tr.Spec.Orchestrator.Kind)
	}
	return b.String()
}

func params(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, k+"="+p[k])
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// TestErrorsSortedAndComplete checks that problems anywhere in a file are
// all reported, in file order, whatever order the walk found them in.
func TestErrorsSortedAndComplete(t *testing.T) {
	src := "probe: {interval: 5ms}\nzzz: 1\nname: Bad_Name\nrepeat: 0\nphases: {measure: {duration: 60}}\n"
	_, err := Parse("x.yaml", []byte(src))
	require.Error(t, err)
	es := *err.(*Errors)
	require.Len(t, es, 5)
	for i := 1; i < len(es); i++ {
		require.Less(t, es[i-1].Line, es[i].Line)
	}
	require.Equal(t, "probe.interval", es[0].Path)
	require.Equal(t, "zzz", es[1].Path)
	require.Equal(t, "name", es[2].Path)
	require.Equal(t, "repeat", es[3].Path)
	require.Equal(t, "phases.measure.duration", es[4].Path)
	_, err = Parse("x.yaml", []byte(src+"x2: 1\n"))
	require.Len(t, *err.(*Errors), 6)
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestExperiments keeps the shipped experiments loadable.
func TestExperiments(t *testing.T) {
	files, err := filepath.Glob("../experiments/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		s, err := Load(f)
		require.NoError(t, err, f)
		require.Equal(t, strings.TrimSuffix(filepath.Base(f), ".yaml"), s.Name, "file name and spec name differ")
		require.NotEmpty(t, s.Trials())
	}
}

// TestHostileInputs feeds inputs known to hurt YAML parsers: none may panic,
// and each gets a positioned answer.
func TestHostileInputs(t *testing.T) {
	laughs := "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nname: x\nprobe: {daemons: *d}\n"
	for _, tc := range []struct {
		name, src string
		ok        bool
	}{
		{"billion laughs", laughs, false},
		{"deep nesting", "name: x\nreference: " + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + "\n", false},
		{"byte order mark", "\ufeffname: bom\n", true},
		{"crlf", "name: crlf\r\nrepeat: 2\r\n", true},
		{"huge number", "name: x\nrepeat: 99999999999999999999999999\n", false},
		{"nul byte", "name: x\x00\n", false},
		{"invalid utf-8", "name: \xff\xfe\n", false},
		{"tag", "name: !!binary aGVsbG8=\n", false},
		{"custom tag", "name: !thing x\n", false},
		{"timestamp as text", "name: x\ndescription: 2024-01-02\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("h.yaml", []byte(tc.src))
			if tc.ok {
				require.NoError(t, err)
				require.NotEmpty(t, s.Trials())
				return
			}
			require.Error(t, err)
			t.Log(err)
			var es *Errors
			require.True(t, errors.As(err, &es))
			for _, line := range strings.Split(err.Error(), "\n") {
				require.Regexp(t, `^h\.yaml:[0-9]+:[0-9]+: `, line)
			}
		})
	}
}

// TestReadmeExample keeps the commented example of experiments/README.md
// valid.
func TestReadmeExample(t *testing.T) {
	data, err := os.ReadFile("../experiments/README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(data), "## A commented example")
	require.True(t, ok)
	_, block, ok := strings.Cut(rest, "```yaml\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "```")
	require.True(t, ok)
	s, err := Parse("README.md", []byte(block))
	require.NoError(t, err)
	require.Len(t, s.Trials(), 6)
}

// TestBriefExample is the example of the foundation issue, verbatim.
func TestBriefExample(t *testing.T) {
	src := "name: x\nrepeat: 1\norchestrator:\n  kind: none\nphases:\n  measure:\n    duration: 6o s\n"
	_, err := Parse("experiments/x.yaml", []byte(src))
	require.EqualError(t, err, `experiments/x.yaml:7:5: phases.measure.duration: "6o s" is not a duration (like 60s, 10m)`)
}
