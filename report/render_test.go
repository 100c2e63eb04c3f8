package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"flag"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

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

func TestRenderGolden(t *testing.T) {
	tests := []struct {
		fixture string
		status  string
		figures []string
		trials  int
	}{
		{"idle-3hosts", results.StatusCompleted,
			[]string{"cpu", "memory", "containers-cpu", "containers-memory", "overhead"}, 2},
		{"aborted", results.StatusAborted,
			[]string{"cpu", "memory", "containers-cpu", "containers-memory", "overhead"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			run, err := results.Read(filepath.Join("testdata", tt.fixture))
			require.NoError(t, err)
			out := t.TempDir()
			s, err := Render(run, out)
			require.NoError(t, err)
			require.Equal(t, tt.status, s.Status)
			require.Len(t, s.Trials, tt.trials)

			md, err := os.ReadFile(filepath.Join(out, MarkdownFile))
			require.NoError(t, err)
			golden(t, tt.fixture+".report.md", md)
			csv, err := os.ReadFile(filepath.Join(out, StatsFile))
			require.NoError(t, err)
			golden(t, tt.fixture+".stats.csv", csv)

			for _, f := range tt.figures {
				checkPNG(t, filepath.Join(out, f+".png"), len(s.Trials))
				checkSVG(t, filepath.Join(out, f+".svg"))
				require.Contains(t, string(md), "("+f+".png)")
			}
			pages := pdfPages(t, filepath.Join(out, PDFFile))
			require.Equal(t, len(textPages(markdown(s, nil)))+len(tt.figures), pages)
		})
	}
}

// checkPNG decodes the image and checks that it is as wide as its panels.
func checkPNG(t *testing.T, path string, panels int) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err, path)
	b := img.Bounds()
	wantW := int(float64(panelWidth/vg.Inch) * float64(panels) * 120)
	require.InDelta(t, wantW, b.Dx(), 2, path)
	require.InDelta(t, int(float64(figureHeight/vg.Inch)*120), b.Dy(), 2, path)
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

// pdfPages checks the PDF's header and counts its page objects.
func pdfPages(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(b, []byte("%PDF-")), "%s does not start with %%PDF-", path)
	return len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(b, -1))
}

// TestPDFPoppler has poppler's pdfinfo, a real PDF reader, parse the PDF
// and count its pages.
func TestPDFPoppler(t *testing.T) {
	testenv.Command(t, "pdfinfo")
	run, err := results.Read(filepath.Join("testdata", "idle-3hosts"))
	require.NoError(t, err)
	out := t.TempDir()
	s, err := Render(run, out)
	require.NoError(t, err)
	info, err := exec.Command("pdfinfo", filepath.Join(out, PDFFile)).CombinedOutput()
	require.NoError(t, err, string(info))
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindStringSubmatch(string(info))
	require.NotNil(t, m, string(info))
	n, _ := strconv.Atoi(m[1])
	require.Equal(t, len(textPages(markdown(s, nil)))+5, n)
	require.Contains(t, string(info), "Page size:")

	// The text pages read back as the report's words, non-ASCII included
	// (vgpdf needs them in Windows-1252: see pdfCanvas).
	testenv.Command(t, "pdftotext")
	txt, err := exec.Command("pdftotext", "-f", "1", "-l", "1", "-layout", filepath.Join(out, PDFFile), "-").CombinedOutput()
	require.NoError(t, err, string(txt))
	for _, want := range []string{"idle-local — edgerig report", "Status: completed", "+3.000 ms ± 0.400 ms", "orchestrator.kind=swarm"} {
		require.Contains(t, string(txt), want)
	}
}

// TestRenderEmptyRun renders a run killed during its first setup: a
// manifest and nothing else. The report must still say what happened.
func TestRenderEmptyRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	w, err := results.Create(dir, results.Manifest{Experiment: "idle-local", Start: fixtureStart,
		Trials: []results.Trial{{ID: "t1", Params: map[string]string{"orchestrator.kind": "none"}}}}, nil)
	require.NoError(t, err)
	require.NoError(t, w.Event(results.Event{Time: fixtureStart, Type: results.EventRunStart}))
	// Not closed before reading: the runner died. (Closed afterwards only to
	// release the files.)
	t.Cleanup(func() { _ = w.Close(results.StatusAborted, "") })
	run, err := results.Read(dir)
	require.NoError(t, err)
	out := filepath.Join(dir, results.ReportDir)
	s, err := Render(run, out)
	require.NoError(t, err)
	require.True(t, s.Aborted())
	md, err := os.ReadFile(filepath.Join(out, MarkdownFile))
	require.NoError(t, err)
	require.Contains(t, string(md), "**Status: ABORTED**")
	require.Contains(t, string(md), "`t1` no samples")
	require.Contains(t, string(md), "No host samples in the measure phase.")
	checkPNG(t, filepath.Join(out, "cpu.png"), 1)
	checkSVG(t, filepath.Join(out, "memory.svg"))
	require.NoFileExists(t, filepath.Join(out, "containers-cpu.png"))
	require.Equal(t, len(textPages(markdown(s, nil)))+2, pdfPages(t, filepath.Join(out, PDFFile)))
}
