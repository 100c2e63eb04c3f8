package compare

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/report"
	"github.com/edgerig/edgerig/results"
)

// scaledCopy copies a checked-in fixture run into a new run directory
// whose hosts' CPU readings are multiplied by f and whose hardware label
// is hw: a second run with a known answer (hand-derived, not measured).
func scaledCopy(t *testing.T, fixture string, f float64, hw string) string {
	t.Helper()
	src := filepath.Join("..", "report", "testdata", fixture)
	dst := filepath.Join(t.TempDir(), fixture+"-"+hw)
	require.NoError(t, os.MkdirAll(filepath.Join(dst, "samples"), 0o755))
	for _, name := range []string{"manifest.json", "events.jsonl", "spec.yaml"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		require.NoError(t, err)
		if name == "manifest.json" {
			b = []byte(strings.ReplaceAll(string(b), `"hardware": "rpi3"`, `"hardware": "`+hw+`"`))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dst, name), b, 0o644))
	}
	files, err := filepath.Glob(filepath.Join(src, "samples", "*.csv"))
	require.NoError(t, err)
	for _, file := range files {
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		lines := strings.Split(string(b), "\n")
		for i, l := range lines {
			p := strings.Split(l, ",")
			if len(p) == 8 && p[4] == "host" && p[6] == "cpu_pct" {
				v, err := strconv.ParseFloat(p[7], 64)
				require.NoError(t, err)
				p[7] = strconv.FormatFloat(v*f, 'g', -1, 64)
				lines[i] = strings.Join(p, ",")
			}
		}
		require.NoError(t, os.WriteFile(filepath.Join(dst, "samples", filepath.Base(file)), []byte(strings.Join(lines, "\n")), 0o644))
	}
	return dst
}

func load(t *testing.T, dirs ...string) []*report.Aggregate {
	var out []*report.Aggregate
	for _, d := range dirs {
		a, err := report.Load(d)
		require.NoError(t, err)
		out = append(out, a)
	}
	return out
}

func find(t *testing.T, c *Comparison, trial, role, metric string) Row {
	for _, r := range c.Rows {
		if r.Trial == trial && r.Role == role && r.Metric == metric {
			return r
		}
	}
	t.Fatalf("no row %s / %s / %s", trial, role, metric)
	return Row{}
}

// Two repeats per combination: t intervals, Fieller ratios. CPU halved
// gives a ratio of 0.5 whose interval excludes 1; memory, untouched, a
// ratio of 1 whose interval holds 1.
func TestBuildRepeats(t *testing.T) {
	fast := scaledCopy(t, "matrix-2x2", 0.5, "rpi4")
	c, err := Build(load(t, "../report/testdata/matrix-2x2", fast))
	require.NoError(t, err)
	require.Equal(t, []string{"matrix-2x2 (rpi3)", "matrix-2x2-rpi4 (rpi4)"}, c.Runs)
	trial := "orchestrator.kind=swarm, workload.replicas=4"
	cpu := find(t, c, trial, "master", "host CPU %")
	require.Equal(t, MethodT, cpu.Cells[1].Method)
	require.Equal(t, 2, cpu.Cells[1].Repeats)
	require.InDelta(t, 0.5, cpu.Cells[1].Ratio.Est, 1e-9)
	require.False(t, cpu.Cells[1].Ratio.Excludes(0.5))
	require.True(t, cpu.Cells[1].Differs)
	require.InDelta(t, cpu.Cells[0].Mean.Est/2, cpu.Cells[1].Mean.Est, 1e-9)
	require.Less(t, cpu.Cells[0].Mean.Lo, cpu.Cells[0].Mean.Est)
	mem := find(t, c, trial, "master", "host memory used MiB")
	require.InDelta(t, 1, mem.Cells[1].Ratio.Est, 1e-12)
	require.False(t, mem.Cells[1].Differs)
	require.Contains(t, c.Markdown(), "Fieller")
}

// One repeat per combination: the moving-block bootstrap, said so.
func TestBuildSingleRepeat(t *testing.T) {
	fast := scaledCopy(t, "idle-3hosts", 0.5, "rpi4")
	c, err := Build(load(t, "../report/testdata/idle-3hosts", fast))
	require.NoError(t, err)
	for _, r := range c.Rows {
		require.Equal(t, MethodBootstrap, r.Cells[1].Method, r)
		if r.Metric == "host CPU %" {
			require.InDelta(t, 0.5, r.Cells[1].Ratio.Est, 1e-9)
			require.True(t, r.Cells[1].Differs, r)
		}
	}
	md := c.Markdown()
	require.Contains(t, md, "moving-block bootstrap")
	require.Contains(t, md, "bootstrap, 1 repeat(s), block")
	require.Contains(t, md, " *")
}

// Write leaves the Markdown, CSV, figures and a PDF whose text is
// selectable (pdftotext) in a directory of its own.
func TestWrite(t *testing.T) {
	fast := scaledCopy(t, "matrix-2x2", 0.5, "rpi4")
	c, err := Build(load(t, "../report/testdata/matrix-2x2", fast))
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "cmp")
	require.NoError(t, Write(c, dir))

	f, err := os.Open(filepath.Join(dir, CSVFile))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, "differs", recs[0][len(recs[0])-1])
	require.Len(t, recs, 1+len(c.Rows)*2)

	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	svgs, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
	require.Len(t, pngs, 6, "one figure per role (2) and metric (3)")
	require.Len(t, svgs, 6)
	md, err := os.ReadFile(filepath.Join(dir, MarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "compare-01-master-host-cpu.png")

	testenv.Command(t, "pdftotext")
	out, err := exec.Command("pdftotext", "-layout", filepath.Join(dir, PDFFile), "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	text := string(out)
	require.Contains(t, text, "Comparison of runs")
	require.Contains(t, text, "Fieller")
	require.Contains(t, text, "matrix-2x2-rpi4 (rpi4)")
	require.Contains(t, text, "page 7 of 7", "the table page and one page per figure")
}

// stepRun is a hand-made aggregate: node1 (role master) ran step "work"
// once per repeat, taking the given seconds; its hardware label is hw and,
// when env is not empty, its envelope label env.
func stepRun(dir, hw, env string, secs ...float64) *report.Aggregate {
	a := &report.Aggregate{RunDir: dir, Hosts: []results.HostFacts{{Name: "node1", Roles: []string{"master"},
		Labels: map[string]string{"hardware": hw}}}}
	if env != "" {
		a.Hosts[0].Labels["envelope"] = env
	}
	for i, s := range secs {
		a.Trials = append(a.Trials, &report.Trial{ID: "t" + strconv.Itoa(i+1), Title: "t", Complete: true,
			StepSeconds: map[string]map[string]float64{"work": {"node1": s}}})
	}
	return a
}

// A measure step's wall time is compared like any metric: per-repeat
// values, t intervals, Fieller's ratio, marked when its interval excludes
// 1; the emulated boards are named under their runs; a step run once has
// no interval and says so.
func TestCompareStepSecondsAndEmulatedBoards(t *testing.T) {
	c, err := Build([]*report.Aggregate{
		stepRun("run-pi4", "rpi4 (emulated)", "container envelope: cpuset 0-1 (2 cores)", 1.0, 1.1, 0.9),
		stepRun("run-pi2", "rpi2 (emulated)", "container envelope: cpuset 0-1 (2 cores), CPU quota 0.361 cores", 3.0, 3.3, 2.7),
	})
	require.NoError(t, err)
	require.Len(t, c.Rows, 1)
	row := c.Rows[0]
	require.Equal(t, "step work seconds", row.Metric)
	require.Equal(t, "master", row.Role)
	pi2 := row.Cells[1]
	require.Equal(t, MethodT, pi2.Method)
	require.InDelta(t, 3.0, pi2.Ratio.Est, 1e-9)
	require.True(t, pi2.Differs)
	require.Greater(t, pi2.Ratio.Lo, 1.0)
	md := c.Markdown()
	require.Contains(t, md, "1. run-pi4 (rpi4 (emulated)) (reference)\n   - emulated: node1 is rpi4 (emulated), container envelope: cpuset 0-1 (2 cores)\n")
	require.Contains(t, md, "   - emulated: node1 is rpi2 (emulated), container envelope: cpuset 0-1 (2 cores), CPU quota 0.361 cores\n")
	require.Contains(t, md, "Some runs' hosts were not the boards their hardware label names")
	require.Contains(t, md, " *")

	c, err = Build([]*report.Aggregate{stepRun("a", "x", "", 1), stepRun("b", "y", "", 2)})
	require.NoError(t, err)
	cl := c.Rows[0].Cells[1]
	require.Equal(t, MethodNone, cl.Method)
	require.InDelta(t, 2, cl.Ratio.Est, 1e-9)
	require.False(t, cl.Differs)
	require.Contains(t, c.Markdown(), "one value, no interval")
	require.NoError(t, Write(c, t.TempDir()), "figures and PDF cope with a cell without interval")
}
