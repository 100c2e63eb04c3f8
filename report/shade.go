package report

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// shade is a plotter that fills the full height of a panel over x
// intervals: the time a node was lost. It is drawn before the lines so the
// lines stay visible on top.
type shade struct {
	Intervals []interval
	Color     color.Color
}

// Plot implements plot.Plotter.
func (s shade) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	for _, iv := range s.Intervals {
		x0, x1 := trX(iv.From), trX(iv.To)
		if x1-x0 < 1 {
			x1 = x0 + 1 // a loss shorter than a point is still shown
		}
		pts := c.ClipPolygonX([]vg.Point{
			{X: x0, Y: c.Min.Y}, {X: x1, Y: c.Min.Y}, {X: x1, Y: c.Max.Y}, {X: x0, Y: c.Max.Y},
		})
		c.FillPolygon(s.Color, pts)
	}
}

// Thumbnail implements plot.Thumbnailer for the legend.
func (s shade) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.Color, []vg.Point{
		{X: c.Min.X, Y: c.Min.Y}, {X: c.Max.X, Y: c.Min.Y},
		{X: c.Max.X, Y: c.Max.Y}, {X: c.Min.X, Y: c.Max.Y},
	})
}

// translucent is c at a low opacity, for shading behind lines.
func translucent(c color.Color) color.Color {
	r, g, b, _ := c.RGBA()
	const a = 0x30
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}
