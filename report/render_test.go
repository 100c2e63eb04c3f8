package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/plot/vg"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./report -update to create it")
	require.Equal(t, string(want), string(got), "differs from %s (go test ./report -update rewrites it)", path)
}

// fixtureCases are the checked-in runs (made by TestFixtures) and what
// their reports must show.
var fixtureCases = []struct {
	fixture string
	status  string
	trials  int
	grid    [2]int   // rows, cols of the measure-phase figures
	figures []string // in document order
	text    []string // must be in the PDF's text
}{
	{"idle-3hosts", results.StatusCompleted, 2, [2]int{1, 2},
		[]string{"cpu", "memory", "containers-cpu", "containers-memory", "probe-cpu", "probe-cost", "timeline"},
		[]string{"Status: completed.", "+3.000 ± 0.400", "Trial t2-swarm — orchestrator.kind=swarm", "worker1", "node-lost", rpi3}},
	{"matrix-2x2", results.StatusCompleted, 8, [2]int{2, 2},
		[]string{"cpu", "memory", "containers-cpu", "containers-memory", "probe-cpu", "probe-cost", "timeline"},
		[]string{"Repeats", "orchestrator.kind=swarm, workload.replicas=4", "mean of means", "‰", "µs", "probe CPU (‰ of one core)", rpi3}},
	{"aborted", results.StatusAborted, 2, [2]int{1, 2},
		[]string{"cpu", "memory", "containers-cpu", "containers-memory", "probe-cpu", "probe-cost", "timeline"},
		[]string{"Status: ABORTED.", "It stopped in trial t2-swarm, phase measure", "t2-swarm (incomplete)", "INCOMPLETE", rpi3}},
	{"idle-orchestrators", results.StatusCompleted, 6, [2]int{1, 2},
		[]string{"cpu", "memory", "probe-cpu", "probe-cost", "timeline", "orchestrators"},
		[]string{"Docker Swarm vs Kubernetes at idle (PyMon Figures 4–5)", "Kubernetes ÷ Swarm [95 % interval]",
			"5.25 [4.08, 6.77]", "9.76 ± 1.83", "kube-apiserver", "Which processes make the difference: workers",
			"The probe's own overhead", "Accounting: node cgroup on every host", "Intel(R) Xeon(R) CPU @ 2.20GHz"}},
}

// rpi3 is the fixture boards' model, which the hosts table prints.
const rpi3 = "Raspberry Pi 3 Model B Rev 1.2"

// TestRenderFixtures renders each checked-in run and checks it as a
// reader would see it: Markdown and stats against goldens, every figure
// in three formats at its grid's size, and the PDF through poppler — its
// page count, the text of its tables, and every figure page non-blank.
func TestRenderFixtures(t *testing.T) {
	for _, tt := range fixtureCases {
		t.Run(tt.fixture, func(t *testing.T) {
			a, err := Load(filepath.Join("testdata", tt.fixture))
			require.NoError(t, err)
			require.Equal(t, tt.status, a.Status)
			require.Len(t, a.Trials, tt.trials)
			out := t.TempDir()
			r, err := Render(a, out, Options{})
			require.NoError(t, err)

			md, err := os.ReadFile(filepath.Join(out, MarkdownFile))
			require.NoError(t, err)
			golden(t, tt.fixture+".report.md", md)
			csv, err := os.ReadFile(filepath.Join(out, StatsFile))
			require.NoError(t, err)
			golden(t, tt.fixture+".stats.csv", csv)

			var names []string
			for _, f := range r.Figures {
				names = append(names, f.Name)
				checkPNG(t, filepath.Join(out, f.Name+".png"), f)
				checkSVG(t, filepath.Join(out, f.Name+".svg"))
				require.FileExists(t, filepath.Join(out, f.Name+".pdf"))
				require.Contains(t, string(md), "("+f.Name+".png)")
				switch f.Name {
				case "timeline":
				case "orchestrators": // a row of CPU panels over a row of memory panels
					require.Equal(t, [2]int{2 * tt.grid[0], tt.grid[1]}, [2]int{f.Rows, f.Cols}, f.Name)
				default:
					require.Equal(t, tt.grid, [2]int{f.Rows, f.Cols}, f.Name)
				}
			}
			require.Equal(t, tt.figures, names)
			checkPDF(t, filepath.Join(out, PDFFile), r, tt.text)
		})
	}
}

// checkPNG decodes the image and checks it has the figure's size.
func checkPNG(t *testing.T, path string, f *Figure) {
	t.Helper()
	file, err := os.Open(path)
	require.NoError(t, err)
	defer file.Close()
	img, err := png.Decode(file)
	require.NoError(t, err, path)
	w, h := f.Size()
	require.InDelta(t, float64(w/vg.Inch)*figureDPI, img.Bounds().Dx(), 2, path)
	require.InDelta(t, float64(h/vg.Inch)*figureDPI, img.Bounds().Dy(), 2, path)
}

// checkSVG parses the whole file as XML with an <svg> root.
func checkSVG(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err, path)
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	require.Equal(t, "svg", root, path)
}

// checkPDF has poppler read the PDF: pdfinfo's page count, pdftotext's
// text (selectable, non-Latin-1 glyphs intact), and each figure page
// rasterised by pdftoppm and required to be more than a blank page.
func checkPDF(t *testing.T, path string, r *Rendered, want []string) {
	t.Helper()
	testenv.Command(t, "pdfinfo", "pdftotext", "pdftoppm")
	info, err := exec.Command("pdfinfo", path).CombinedOutput()
	require.NoError(t, err, string(info))
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(string(info))
	require.NotNil(t, m, string(info))
	pages, _ := strconv.Atoi(m[1])
	require.Equal(t, r.Pages, pages)
	require.Greater(t, pages, len(r.Figures), "text pages and one page a figure")

	all := pdfText(t, path, 0)
	for _, w := range append(want, "Hosts", fmt.Sprintf("page 1 of %d", pages)) {
		require.Contains(t, all, w)
	}
	for i, f := range r.Figures {
		label := fmt.Sprintf("Figure %d: %s.", i+1, f.Title)
		require.Contains(t, all, label)
		page := pageOf(t, path, pages, label)
		require.GreaterOrEqual(t, strings.Count(pdfText(t, path, page), f.Title), 2,
			"figure %s is drawn as vectors: its title is text on its page, besides the caption", f.Name)
		require.Greater(t, pageVariance(t, path, page), 100.0, "figure %s on page %d looks blank", f.Name, page)
	}
}

// pdfText is pdftotext's text of one page (0: all pages).
func pdfText(t *testing.T, path string, page int) string {
	t.Helper()
	args := []string{"-layout"}
	if page > 0 {
		args = append(args, "-f", strconv.Itoa(page), "-l", strconv.Itoa(page))
	}
	out, err := exec.Command("pdftotext", append(args, path, "-")...).CombinedOutput()
	require.NoError(t, err, string(out))
	return string(out)
}

func pageOf(t *testing.T, path string, pages int, text string) int {
	t.Helper()
	for p := 1; p <= pages; p++ {
		if strings.Contains(pdfText(t, path, p), text) {
			return p
		}
	}
	t.Fatalf("%q on no page of %s", text, path)
	return 0
}

// pageVariance rasterises a page in grey at a low resolution and returns
// the variance of its pixels: a blank page has none.
func pageVariance(t *testing.T, path string, page int) float64 {
	t.Helper()
	p := strconv.Itoa(page)
	out, err := exec.Command("pdftoppm", "-f", p, "-l", p, "-r", "30", "-gray", path).Output()
	require.NoError(t, err)
	// PGM: "P5\nW H\n255\n" then the pixels.
	fields := bytes.Fields(out[:min(len(out), 40)])
	require.Equal(t, "P5", string(fields[0]))
	w, _ := strconv.Atoi(string(fields[1]))
	h, _ := strconv.Atoi(string(fields[2]))
	// The figure fills the page from its top; the caption and the footer
	// are below, so the top 40 % holds nothing but the figure.
	px := out[len(out)-w*h:][:w*h*4/10]
	sum, sq := 0.0, 0.0
	for _, v := range px {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(len(px))
	return sq/n - (sum/n)*(sum/n)
}

// TestRenderEmptyRun renders a run killed during its first setup: a
// manifest and nothing else. The report must still say what happened.
func TestRenderEmptyRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := results.Create(dir, results.Manifest{Experiment: "idle-local", Start: fixtureStart,
		Trials: []results.Trial{{ID: "t1", Params: map[string]string{"orchestrator.kind": "none"}}}}, nil)
	require.NoError(t, err)
	require.NoError(t, w.Event(results.Event{Time: fixtureStart, Type: results.EventRunStart}))
	require.NoError(t, w.Event(results.Event{Time: fixtureStart.Add(time.Second), Type: results.EventPhaseStart, Trial: "t1", Phase: "setup"}))
	// Not closed before reading: the runner died. (Closed afterwards only to
	// release the files.)
	t.Cleanup(func() { _ = w.Close(results.StatusAborted, "") })
	a, err := Load(dir)
	require.NoError(t, err)
	out := filepath.Join(dir, results.ReportDir)
	r, err := Render(a, out, Options{})
	require.NoError(t, err)
	require.True(t, a.Aborted())
	md, err := os.ReadFile(filepath.Join(out, MarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "**Status: ABORTED.** It stopped in trial `t1`, phase setup at 2026-11-02 10:00:01Z")
	require.Contains(t, string(md), "`t1` no samples")
	require.Contains(t, string(md), "No host samples in the measure phase.")
	require.Len(t, r.Figures, 1, "only the timeline: nothing else has a value to draw")
	require.Equal(t, "timeline", r.Figures[0].Name)
	require.NoFileExists(t, filepath.Join(out, "cpu.png"))
}
