package report

import (
	"fmt"
	"image/color"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgpdf"
)

// The PDF is A4 landscape: text pages in a monospaced font (the Markdown
// tables are padded, so they read as tables), then one figure per page.
const (
	pageWidth  = 297 * vg.Millimeter
	pageHeight = 210 * vg.Millimeter
	pageMargin = 12 * vg.Millimeter
	textSize   = vg.Length(7.5) // points
	lineHeight = vg.Length(9.5)
)

// writePDF writes the summary text and then the figures, one per page.
// It returns the number of pages.
func writePDF(path, summaryText string, figs []*figure) (int, error) {
	c := vgpdf.New(pageWidth, pageHeight)
	pc := pdfCanvas{c}
	pages := textPages(summaryText)
	for i, lines := range pages {
		if i > 0 {
			c.NextPage()
		}
		drawText(draw.New(pc), lines)
	}
	for _, f := range figs {
		c.NextPage()
		f.draw(draw.Crop(draw.New(pc), pageMargin, -pageMargin, pageMargin, -pageMargin))
	}
	if err := writeCanvas(path, c); err != nil {
		return 0, fmt.Errorf("write PDF: %w", err)
	}
	return len(pages) + len(figs), nil
}

var monoStyle = text.Style{
	Color: color.Black, Font: font.From(font.Font{Typeface: "Liberation", Variant: "Mono"}, textSize),
	XAlign: draw.XLeft, YAlign: draw.YTop, Handler: plot.DefaultTextHandler,
}

// textPages wraps s to the page's width and splits it into pages.
func textPages(s string) [][]string {
	charW := monoStyle.Width("M")
	perLine := int((pageWidth - 2*pageMargin) / charW)
	usable := pageHeight - 2*pageMargin
	perPage := int(usable / lineHeight)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		r := []rune(l)
		for len(r) > perLine {
			lines = append(lines, string(r[:perLine]))
			r = append([]rune("    "), r[perLine:]...)
		}
		lines = append(lines, string(r))
	}
	var pages [][]string
	for len(lines) > perPage {
		pages = append(pages, lines[:perPage])
		lines = lines[perPage:]
	}
	return append(pages, lines)
}

func drawText(c draw.Canvas, lines []string) {
	y := c.Max.Y - pageMargin
	for _, l := range lines {
		if l != "" {
			c.FillText(monoStyle, vg.Point{X: c.Min.X + pageMargin, Y: y}, l)
		}
		y -= lineHeight
	}
}
