package report

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// shade fills the full height of a panel over x intervals: the time a
// node was lost, or a phase of the timeline. It is added before the lines
// so that they stay visible on top. Label, when set, is written at the top
// of every interval wide enough to hold it.
type shade struct {
	Intervals []Interval
	Color     color.Color
	Label     string
}

var shadeLabel = text.Style{Color: color.Gray{Y: 60}, Font: font.From(plot.DefaultFont, 7.5),
	XAlign: draw.XCenter, YAlign: draw.YTop, Handler: plot.DefaultTextHandler}

// Plot implements plot.Plotter.
func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, iv := range s.Intervals {
		x0, x1 := trX(iv.From), trX(iv.To)
		if x1-x0 < 1 {
			x1 = x0 + 1 // shorter than a point is still shown
		}
		pts := c.ClipPolygonX([]vg.Point{
			{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
		})
		c.FillPolygon(s.Color, pts)
		if s.Label != "" && shadeLabel.Width(s.Label)+4 < x1-x0 {
			c.FillText(shadeLabel, vg.Point{X: (x0 + x1) / 2, Y: c.Max.Y - 2}, s.Label)
		}
	}
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (s shade) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.Color, rectPoints(c.Rectangle))
}

// band fills between Lo and Hi over X: the spread of a combination's
// repeats around their mean.
type band struct {
	X, Lo, Hi []float64
	Color     color.Color
}

// Plot implements plot.Plotter.
func (b band) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	flush := func(from, to int) {
		if to-from < 2 {
			return
		}
		var pts []vg.Point
		for i := from; i < to; i++ {
			pts = append(pts, vg.Point{X: trX(b.X[i]), Y: trY(b.Hi[i])})
		}
		for i := to - 1; i >= from; i-- {
			pts = append(pts, vg.Point{X: trX(b.X[i]), Y: trY(b.Lo[i])})
		}
		c.FillPolygon(b.Color, c.ClipPolygonXY(pts))
	}
	start := 0
	for i := range b.X {
		if b.Lo[i] != b.Lo[i] || b.Hi[i] != b.Hi[i] { // NaN: no value in this bin
			flush(start, i)
			start = i + 1
		}
	}
	flush(start, len(b.X))
}

// Thumbnail implements plot.Thumbnailer.
func (b band) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(b.Color, rectPoints(c.Rectangle))
}

// marks draws events as vertical lines across a panel, each with a glyph
// at the top, so a node lost or a failed step can be seen against the data.
type marks struct {
	At    []float64
	Style draw.LineStyle
	Glyph draw.GlyphStyle
}

// Plot implements plot.Plotter.
func (m marks) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, at := range m.At {
		x := trX(at)
		if !c.ContainsX(x) {
			continue
		}
		c.StrokeLine2(m.Style, x, c.Min.Y, x, c.Max.Y)
		c.DrawGlyph(m.Glyph, vg.Point{X: x, Y: c.Max.Y - m.Glyph.Radius})
	}
}

// Thumbnail implements plot.Thumbnailer.
func (m marks) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(m.Style, x, c.Min.Y, x, c.Max.Y)
	c.DrawGlyph(m.Glyph, vg.Point{X: x, Y: (c.Min.Y + c.Max.Y) / 2})
}

// translucent is c at opacity a (0–255), for shading behind lines.
func translucent(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

func rectPoints(r vg.Rectangle) []vg.Point {
	return []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}}
}
