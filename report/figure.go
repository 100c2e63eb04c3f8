package report

import (
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure is one image of the report: a grid of panels under a title, with
// one legend for all of them in a strip of its own between title and
// panels, so that it never covers data. It draws on any canvas, so the
// same figure becomes a PNG, an SVG, a vector PDF for LaTeX and an image
// in the report's PDF.
type Figure struct {
	Name       string // file name without extension: cpu, memory, ...
	Title      string
	Caption    string // one or two sentences under the figure in the documents
	Rows, Cols int
	Panels     []*plot.Plot // row-major, Rows×Cols; nil leaves a cell empty
	Legend     []LegendEntry
}

// LegendEntry is one item of a figure's shared legend.
type LegendEntry struct {
	Label string
	Thumb plot.Thumbnailer
}

// FigureWidth is every figure's width: the text width of the PDF's A4
// landscape page at 120 dpi in the PNG, whatever its number of panels.
const (
	FigureWidth = 10.5 * vg.Inch
	figureDPI   = 120
	titleHeight = vg.Length(22)
)

// Size is the figure's size: fixed width, and panel rows of a height that
// keeps each panel about 4:3 but never below 2 inches.
func (f *Figure) Size() (w, h vg.Length) {
	cols, rows := max(f.Cols, 1), max(f.Rows, 1)
	panelH := min(max(FigureWidth/vg.Length(cols)*0.62, 2*vg.Inch), 4.2*vg.Inch)
	return FigureWidth, titleHeight + f.legendHeight(FigureWidth) + vg.Length(rows)*panelH
}

var (
	titleStyle = text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 13),
		XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	legendText = text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 9),
		XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
)

const (
	legendThumb = vg.Length(18)
	legendGap   = vg.Length(12)
	legendLine  = vg.Length(13)
)

// legendLayout places the entries left to right, wrapping lines at width.
func (f *Figure) legendLayout(width vg.Length) (pos []vg.Point, lines int) {
	x, line := vg.Length(0), 0
	for _, e := range f.Legend {
		w := legendThumb + 4 + legendText.Width(e.Label)
		if x > 0 && x+w > width {
			x, line = 0, line+1
		}
		pos = append(pos, vg.Point{X: x, Y: vg.Length(line) * legendLine})
		x += w + legendGap
	}
	if len(f.Legend) == 0 {
		return nil, 0
	}
	return pos, line + 1
}

func (f *Figure) legendHeight(width vg.Length) vg.Length {
	_, lines := f.legendLayout(width - 20)
	if lines == 0 {
		return 0
	}
	return vg.Length(lines)*legendLine + 6
}

// Draw renders title, legend strip and the panels, aligned so that their
// plotting areas share one size (their scales are already equal).
func (f *Figure) Draw(c draw.Canvas) {
	width := c.Max.X - c.Min.X
	c.FillText(titleStyle, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 4}, f.Title)
	top := c.Max.Y - titleHeight
	pos, _ := f.legendLayout(width - 20)
	for i, e := range f.Legend {
		x := c.Min.X + 10 + pos[i].X
		y := top - pos[i].Y - legendLine/2
		tc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x, Y: y - 4}, Max: vg.Point{X: x + legendThumb, Y: y + 4}}}
		e.Thumb.Thumbnail(&tc)
		c.FillText(legendText, vg.Point{X: x + legendThumb + 4, Y: y}, e.Label)
	}
	body := draw.Crop(c, 0, 0, 0, -(titleHeight + f.legendHeight(width)))
	if len(f.Panels) == 0 {
		return
	}
	grid := make([][]*plot.Plot, f.Rows)
	for r := range grid {
		grid[r] = f.Panels[r*f.Cols : (r+1)*f.Cols]
	}
	tiles := draw.Tiles{Rows: f.Rows, Cols: f.Cols, PadX: 3 * vg.Millimeter, PadY: 3 * vg.Millimeter,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: 3 * vg.Millimeter}
	cs := plot.Align(grid, tiles, body)
	for r, row := range grid {
		for i, p := range row {
			if p != nil {
				p.Draw(cs[r][i])
			}
		}
	}
}

// save writes the figure as NAME.png, NAME.svg and NAME.pdf (vector, for
// LaTeX) into dir and returns the file names.
func (f *Figure) save(dir string) ([]string, error) {
	w, h := f.Size()
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(figureDPI))}
	f.Draw(draw.New(png))
	svg := vgsvg.New(w, h)
	f.Draw(draw.New(svg))
	pdf := vgpdf.New(w, h)
	pdf.EmbedFonts(true)
	f.Draw(draw.New(pdfCanvas{pdf}))
	var names []string
	for _, out := range []struct {
		ext string
		c   io.WriterTo
	}{{".png", png}, {".svg", svg}, {".pdf", pdf}} {
		name := f.Name + out.ext
		if err := writeFile(filepath.Join(dir, name), out.c); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

func writeFile(path string, c io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
