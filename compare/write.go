package compare

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"codeberg.org/go-pdf/fpdf"
)

// Output file names inside a comparison's directory.
const (
	MarkdownFile = "compare.md"
	CSVFile      = "compare.csv"
	PDFFile      = "compare.pdf"
)

// Write renders the comparison into dir (created): compare.md, compare.csv,
// a figure per role and metric (PNG, SVG) and compare.pdf.
func Write(c *Comparison, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	figs, err := c.Figures(dir)
	if err != nil {
		return err
	}
	md := c.Markdown()
	md += "\n## Figures\n\n"
	for _, f := range figs {
		md += fmt.Sprintf("![%s, role %s](%s.png)\n\n", f.Metric, f.Role, filepath.Base(f.Base))
	}
	if err := os.WriteFile(filepath.Join(dir, MarkdownFile), []byte(md), 0o644); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	var csv bytes.Buffer
	if err := c.WriteCSV(&csv); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, CSVFile), csv.Bytes(), 0o644); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	return c.writePDF(filepath.Join(dir, PDFFile), figs)
}

// pdfText keeps to the PDF core fonts' character set.
var pdfText = strings.NewReplacer("∞", "inf", "—", "-", "–", "-", "φ", "phi", "≥", ">=", "·", "*")

// writePDF sets the runs, the method, the table and every figure at full
// width in a landscape A4 document, in the core Helvetica font so that
// its text stays selectable.
func (c *Comparison) writePDF(path string, figs []Figure) error {
	pdf := fpdf.New("L", "mm", "A4", "")
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	txt := func(s string) string { return tr(pdfText.Replace(s)) }
	pdf.SetMargins(12, 12, 12)
	pdf.SetAutoPageBreak(true, 12)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-10)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("page %d of {nb}", pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("Helvetica", "B", 14)
	pdf.CellFormat(0, 8, "Comparison of runs", "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 9)
	for i, r := range c.Runs {
		ref := ""
		if i == 0 {
			ref = " (reference)"
		}
		pdf.CellFormat(0, 5, txt(fmt.Sprintf("%d. %s%s", i+1, r, ref)), "", 1, "L", false, 0, "")
		for _, e := range c.Emulated[i] {
			pdf.MultiCell(0, 4.2, txt("    emulated: "+e), "", "L", false)
		}
	}
	pdf.Ln(2)
	for _, para := range strings.Split(c.Method(), "\n\n") {
		pdf.MultiCell(0, 4.2, txt(para), "", "L", false)
		pdf.Ln(1)
	}
	pdf.Ln(2)
	c.pdfTable(pdf, txt)
	for _, f := range figs {
		pdf.AddPage()
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(0, 6, txt(fmt.Sprintf("%s, role %s", f.Metric, f.Role)), "", 1, "L", false, 0, "")
		opt := fpdf.ImageOptions{ImageType: "PNG", ReadDpi: true}
		info := pdf.RegisterImageOptions(f.Base+".png", opt)
		if pdf.Err() {
			return fmt.Errorf("compare: %s: %w", path, pdf.Error())
		}
		pw, ph := pdf.GetPageSize()
		l, _, r, _ := pdf.GetMargins()
		w := pw - l - r
		h := w * info.Height() / info.Width()
		if max := ph - pdf.GetY() - 20; h > max {
			h, w = max, max*info.Width()/info.Height()
		}
		pdf.ImageOptions(f.Base+".png", l, pdf.GetY(), w, h, true, opt, 0, "")
		pdf.SetFont("Helvetica", "I", 8)
		pdf.MultiCell(0, 4, txt("Bars: each run's mean per trial; whiskers: its 95 % confidence interval. A run marked * in the legend differs from the first (ratio interval excludes 1) in at least one trial."), "", "L", false)
	}
	if err := pdf.OutputFileAndClose(path); err != nil {
		return fmt.Errorf("compare: %s: %w", path, err)
	}
	return nil
}

// pdfTable sets the comparison table with column widths from their
// contents, numbers right-aligned.
func (c *Comparison) pdfTable(pdf *fpdf.Fpdf, txt func(string) string) {
	header := []string{"trial", "role", "metric"}
	for i := range c.Runs {
		header = append(header, fmt.Sprintf("run %d mean [95%% CI]", i+1))
		if i > 0 {
			header = append(header, fmt.Sprintf("ratio %d/1 [95%% CI]", i+1))
		}
		header = append(header, fmt.Sprintf("method %d", i+1))
	}
	rows := [][]string{}
	for _, row := range c.Rows {
		cells := []string{row.Trial, row.Role, row.Metric}
		for i, cl := range row.Cells {
			if !cl.Present {
				cells = append(cells, "-")
				if i > 0 {
					cells = append(cells, "-")
				}
				cells = append(cells, "-")
				continue
			}
			cells = append(cells, interval(cl.Mean.Est, cl.Mean.Lo, cl.Mean.Hi, 2))
			if i > 0 {
				s := interval(cl.Ratio.Est, cl.Ratio.Lo, cl.Ratio.Hi, 3)
				if cl.Differs {
					s += " *"
				}
				cells = append(cells, s)
			}
			cells = append(cells, methodCell(cl))
		}
		rows = append(rows, cells)
	}
	pdf.SetFont("Helvetica", "", 7)
	widths := make([]float64, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for j, s := range r {
			widths[j] = max(widths[j], pdf.GetStringWidth(txt(s))+2)
		}
	}
	pw, _ := pdf.GetPageSize()
	l, _, r, _ := pdf.GetMargins()
	total := 0.0
	for _, w := range widths {
		total += w
	}
	if scale := (pw - l - r) / total; scale < 1 {
		pdf.SetFont("Helvetica", "", 7*scale)
		for j := range widths {
			widths[j] *= scale
		}
	}
	pdf.SetFont("Helvetica", "B", 0)
	for j, h := range header {
		pdf.CellFormat(widths[j], 5, txt(h), "B", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 0)
	for _, r := range rows {
		for j, s := range r {
			align := "L"
			if j >= 3 && !strings.HasPrefix(header[j], "method") {
				align = "R"
			}
			pdf.CellFormat(widths[j], 4.5, txt(s), "", 0, align, false, 0, "")
		}
		pdf.Ln(-1)
	}
}
