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
	"gonum.org/v1/plot/vg/vgsvg"
)

// figure is one image of the report: a row of panels (one per trial) under
// a common title. It draws on any canvas, so the same figure becomes a PNG,
// an SVG and a page of the PDF.
type figure struct {
	Name   string // file name without extension: cpu, memory, ...
	Title  string
	Panels []*plot.Plot
}

// Panel size in the PNG and SVG files; a figure is as wide as its panels.
const (
	panelWidth   = 5.5 * vg.Inch
	figureHeight = 4.5 * vg.Inch
	titleHeight  = vg.Length(24) // points
)

func (f *figure) size() (w, h vg.Length) {
	n := max(len(f.Panels), 1)
	return vg.Length(n) * panelWidth, figureHeight
}

// draw renders the title and the panels side by side, aligned so that
// their plotting areas share one height (their y scales are already equal).
func (f *figure) draw(c draw.Canvas) {
	sty := text.Style{Color: color.Black, Font: font.From(plot.DefaultFont, 14),
		XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - 4}, f.Title)
	body := draw.Crop(c, 0, 0, 0, -titleHeight)
	if len(f.Panels) == 0 {
		return
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(f.Panels), PadX: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2,
		PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 3}
	cs := plot.Align([][]*plot.Plot{f.Panels}, tiles, body)
	for i, p := range f.Panels {
		p.Draw(cs[0][i])
	}
}

// save writes the figure as NAME.png and NAME.svg into dir and returns the
// file names.
func (f *figure) save(dir string) ([]string, error) {
	w, h := f.size()
	png := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(120))}
	f.draw(draw.New(png))
	svg := vgsvg.New(w, h)
	f.draw(draw.New(svg))
	var names []string
	for _, out := range []struct {
		ext string
		c   vg.CanvasWriterTo
	}{{".png", png}, {".svg", svg}} {
		name := f.Name + out.ext
		if err := writeCanvas(filepath.Join(dir, name), out.c); err != nil {
			return nil, err
		}
		names = append(names, name)
	}
	return names, nil
}

func writeCanvas(path string, c io.WriterTo) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write figure: %w", err)
	}
	if _, err := c.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write figure %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write figure %s: %w", path, err)
	}
	return nil
}
