package report

import (
	"fmt"
	"strings"

	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-pdf/fpdf"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// The PDF is typeset with fpdf in Liberation Sans, embedded as a Unicode
// font so that "—", "±", "µ" and "‰" print and copy as themselves: A4
// landscape text pages with proportional type and tables whose numeric
// columns are right-aligned, then each figure on its own page at full
// width with its caption (portrait when the figure is tall), and page
// numbers in the footer.
const (
	pdfMargin   = 12.0 // mm
	pdfFont     = "sans"
	bodySize    = 9.5
	tableSize   = 8.0
	minTableSz  = 5.5
	lineH       = 4.6
	figureLabel = "Figure"
)

// writePDF typesets the blocks into path and returns the number of pages.
func writePDF(path, title string, blocks []Block) (int, error) {
	pdf := fpdf.New("L", "mm", "A4", "")
	fonts := map[string]bool{}
	pdf.SetTitle(title, true)
	pdf.SetCreator("edgerig", true)
	pdf.AddUTF8FontFromBytes(pdfFont, "", liberationsansregular.TTF)
	pdf.AddUTF8FontFromBytes(pdfFont, "B", liberationsansbold.TTF)
	pdf.SetMargins(pdfMargin, pdfMargin, pdfMargin)
	pdf.SetAutoPageBreak(true, pdfMargin+4)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-pdfMargin)
		pdf.SetFont(pdfFont, "", 8)
		pdf.SetTextColor(90, 90, 90)
		pdf.CellFormat(0, 4, fmt.Sprintf("%s — page %d of {nb}", title, pdf.PageNo()), "", 0, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	pdf.AddPage()
	pdf.SetFont(pdfFont, "B", 17)
	pdf.MultiCell(0, 8, title, "", "L", false)
	pdf.Ln(2)
	nfig, afterFigure := 0, false
	for i, b := range blocks {
		if b.Heading != "" && i+1 < len(blocks) && blocks[i+1].Figure != nil {
			continue // each figure opens its own page, numbered and captioned: a heading would stand alone
		}
		if afterFigure && b.Figure == nil {
			pdf.AddPage() // text resumes on a landscape page of its own
		}
		afterFigure = b.Figure != nil
		switch {
		case b.Heading != "":
			ensure(pdf, 30)
			pdf.Ln(3)
			pdf.SetFont(pdfFont, "B", 13)
			pdf.MultiCell(0, 7, b.Heading, "", "L", false)
			pdf.Ln(1)
		case b.Subheading != "":
			ensure(pdf, 25)
			pdf.Ln(2)
			pdf.SetFont(pdfFont, "B", 10.5)
			pdf.MultiCell(0, 5.5, plain(b.Subheading), "", "L", false)
		case b.Text != "":
			richText(pdf, b.Text)
		case b.List != nil:
			pdf.SetFont(pdfFont, "", bodySize)
			for _, it := range b.List {
				pdf.MultiCell(0, lineH, "•  "+plain(it), "", "L", false)
			}
		case b.Table != nil:
			pdfTable(pdf, b.Table)
		case b.Figure != nil:
			nfig++
			pdfFigure(pdf, fonts, nfig, b.Figure)
		}
	}
	if err := pdf.Error(); err != nil {
		return 0, fmt.Errorf("typeset %s: %w", path, err)
	}
	pages := pdf.PageCount()
	if err := pdf.OutputFileAndClose(path); err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return pages, nil
}

// ensure starts a new page unless h mm are left on this one, so that a
// heading is never the last line of a page.
func ensure(pdf *fpdf.Fpdf, h float64) {
	_, ph := pdf.GetPageSize()
	if pdf.GetY()+h > ph-pdfMargin-4 {
		pdf.AddPage()
	}
}

// plain drops the Markdown marks the PDF shows by other means.
func plain(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "**", ""), "`", "") }

// richText writes a paragraph, **bold** parts in bold.
func richText(pdf *fpdf.Fpdf, s string) {
	pdf.Ln(1)
	for i, part := range strings.Split(s, "**") {
		style := ""
		if i%2 == 1 {
			style = "B"
		}
		pdf.SetFont(pdfFont, style, bodySize)
		pdf.Write(lineH, strings.ReplaceAll(part, "`", ""))
	}
	pdf.Ln(lineH + 1.5)
}

// pdfTable sets a table in the proportional font, columns as wide as
// their widest cell, numbers right-aligned; the type shrinks until the
// table fits the page width, and the header repeats after a page break.
func pdfTable(pdf *fpdf.Fpdf, t *Table) {
	pw, _ := pdf.GetPageSize()
	avail := pw - 2*pdfMargin
	size := tableSize
	var widths []float64
	for {
		widths = colWidths(pdf, t, size)
		total := 0.0
		for _, w := range widths {
			total += w
		}
		if total <= avail || size <= minTableSz {
			break
		}
		size -= 0.5
	}
	rowH := size * 0.53
	header := func() {
		if t.Head[0] == "" && len(t.Head) == 2 && t.Head[1] == "" {
			return // a key/value block: no header line
		}
		pdf.SetFont(pdfFont, "B", size)
		for i, h := range t.Head {
			pdf.CellFormat(widths[i], rowH, h, "B", 0, align(t.Right[i]), false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.Ln(1)
	ensure(pdf, 3*rowH)
	header()
	pdf.SetFont(pdfFont, "", size)
	_, ph := pdf.GetPageSize()
	for r, row := range t.Rows {
		if pdf.GetY()+rowH > ph-pdfMargin-4 {
			pdf.AddPage()
			header()
			pdf.SetFont(pdfFont, "", size)
		}
		fill := r%2 == 1
		pdf.SetFillColor(242, 242, 242)
		for i, c := range row {
			if i == 0 && t.Head[0] == "" {
				pdf.SetFont(pdfFont, "B", size)
			}
			pdf.CellFormat(widths[i], rowH, c, "", 0, align(t.Right[i]), fill, 0, "")
			pdf.SetFont(pdfFont, "", size)
		}
		pdf.Ln(-1)
	}
	pdf.Ln(2)
}

func colWidths(pdf *fpdf.Fpdf, t *Table, size float64) []float64 {
	pad := 2.4
	w := make([]float64, len(t.Head))
	pdf.SetFont(pdfFont, "B", size)
	for i, h := range t.Head {
		w[i] = pdf.GetStringWidth(h) + pad
	}
	for _, row := range t.Rows {
		for i, c := range row {
			style := ""
			if i == 0 && t.Head[0] == "" {
				style = "B"
			}
			pdf.SetFont(pdfFont, style, size)
			w[i] = max(w[i], pdf.GetStringWidth(c)+pad)
		}
	}
	return w
}

func align(right bool) string {
	if right {
		return "RM"
	}
	return "LM"
}

// pdfFigure puts a figure on a page of its own at full width, landscape or
// portrait by its shape, drawn as vectors (fpdfCanvas), with its caption
// below.
func pdfFigure(pdf *fpdf.Fpdf, fonts map[string]bool, n int, f *Figure) {
	fw, fh := f.Size()
	orient := "L"
	if float64(fh)/float64(fw) > 0.6 {
		orient = "P"
	}
	pdf.AddPageFormat(orient, fpdf.SizeType{Wd: 210, Ht: 297})
	pw, ph := pdf.GetPageSize()
	w := pw - 2*pdfMargin
	h := w * float64(fh) / float64(fw)
	if maxH := ph - 2*pdfMargin - 22; h > maxH {
		h = maxH
		w = h * float64(fw) / float64(fh)
	}
	c := newFpdfCanvas(pdf, pdfMargin+(pw-2*pdfMargin-w)/2, pdfMargin, w/float64(fw), fh, fonts)
	f.Draw(draw.Canvas{Canvas: c, Rectangle: vg.Rectangle{Max: vg.Point{X: fw, Y: fh}}})
	pdf.SetAlpha(1, "Normal")
	pdf.SetDashPattern(nil, 0)
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(0, 0, 0)
	pdf.SetFillColor(255, 255, 255)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetY(pdfMargin + h + 3)
	pdf.SetFont(pdfFont, "B", bodySize)
	pdf.Write(lineH, fmt.Sprintf("%s %d: %s. ", figureLabel, n, f.Title))
	pdf.SetFont(pdfFont, "", bodySize)
	pdf.Write(lineH, f.Caption+fmt.Sprintf(" (Also as %s.pdf, .svg and .png.)", f.Name))
	pdf.Ln(lineH)
}
