package report

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"codeberg.org/go-fonts/liberation/liberationmonoregular"
	"codeberg.org/go-fonts/liberation/liberationsansbold"
	"codeberg.org/go-fonts/liberation/liberationsansitalic"
	"codeberg.org/go-fonts/liberation/liberationsansregular"
	"codeberg.org/go-fonts/liberation/liberationserifbold"
	"codeberg.org/go-fonts/liberation/liberationserifitalic"
	"codeberg.org/go-fonts/liberation/liberationserifregular"
	"codeberg.org/go-pdf/fpdf"
	stdfnt "golang.org/x/image/font"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// fpdfCanvas draws a figure straight onto a page of the report's fpdf
// document, so that figures in report.pdf stay vectors with selectable
// text. (gonum's vgpdf writes a document of its own and cannot draw into
// another one.) The figure's point space, y up from its bottom-left, is
// mapped onto a box of the page: origin (X0, Y0) mm at the box's top
// left, S mm per point. Transforms gonum asks for are kept as an affine
// matrix on a stack and applied to every point.
type fpdfCanvas struct {
	pdf    *fpdf.Fpdf
	x0, y0 float64 // mm, top left of the figure on the page
	s      float64 // mm per point
	h      vg.Length
	stack  []canvasState
	fonts  map[string]bool
}

type canvasState struct {
	m     [6]float64 // x' = m0·x + m2·y + m4, y' = m1·x + m3·y + m5
	width vg.Length
}

func newFpdfCanvas(pdf *fpdf.Fpdf, x0, y0, s float64, h vg.Length, fonts map[string]bool) *fpdfCanvas {
	return &fpdfCanvas{pdf: pdf, x0: x0, y0: y0, s: s, h: h, fonts: fonts,
		stack: []canvasState{{m: [6]float64{1, 0, 0, 1, 0, 0}, width: 1}}}
}

func (c *fpdfCanvas) top() *canvasState { return &c.stack[len(c.stack)-1] }

// page maps a figure point through the current transform onto the page.
func (c *fpdfCanvas) page(p vg.Point) (x, y float64) {
	m := c.top().m
	fx := m[0]*float64(p.X) + m[2]*float64(p.Y) + m[4]
	fy := m[1]*float64(p.X) + m[3]*float64(p.Y) + m[5]
	return c.x0 + fx*c.s, c.y0 + (float64(c.h)-fy)*c.s
}

// scale is the current transform's length factor (it only ever rotates,
// translates and scales uniformly in gonum's drawing).
func (c *fpdfCanvas) scale() float64 {
	m := c.top().m
	return math.Sqrt(math.Abs(m[0]*m[3] - m[1]*m[2]))
}

func (c *fpdfCanvas) mul(n [6]float64) {
	m := c.top().m
	c.top().m = [6]float64{
		m[0]*n[0] + m[2]*n[1], m[1]*n[0] + m[3]*n[1],
		m[0]*n[2] + m[2]*n[3], m[1]*n[2] + m[3]*n[3],
		m[0]*n[4] + m[2]*n[5] + m[4], m[1]*n[4] + m[3]*n[5] + m[5],
	}
}

// SetLineWidth implements vg.Canvas.
func (c *fpdfCanvas) SetLineWidth(w vg.Length) {
	c.top().width = w
	c.pdf.SetLineWidth(float64(w) * c.scale() * c.s)
}

// SetLineDash implements vg.Canvas.
func (c *fpdfCanvas) SetLineDash(dashes []vg.Length, offs vg.Length) {
	ds := make([]float64, len(dashes))
	for i, d := range dashes {
		ds[i] = float64(d) * c.scale() * c.s
	}
	c.pdf.SetDashPattern(ds, float64(offs)*c.scale()*c.s)
}

// SetColor implements vg.Canvas: stroke, fill and text alike, with alpha.
func (c *fpdfCanvas) SetColor(clr color.Color) {
	if clr == nil {
		clr = color.Black
	}
	n := color.NRGBAModel.Convert(clr).(color.NRGBA)
	c.pdf.SetDrawColor(int(n.R), int(n.G), int(n.B))
	c.pdf.SetFillColor(int(n.R), int(n.G), int(n.B))
	c.pdf.SetTextColor(int(n.R), int(n.G), int(n.B))
	c.pdf.SetAlpha(float64(n.A)/255, "Normal")
}

// Rotate implements vg.Canvas.
func (c *fpdfCanvas) Rotate(rad float64) {
	s, co := math.Sincos(rad)
	c.mul([6]float64{co, s, -s, co, 0, 0})
}

// Translate implements vg.Canvas.
func (c *fpdfCanvas) Translate(p vg.Point) { c.mul([6]float64{1, 0, 0, 1, float64(p.X), float64(p.Y)}) }

// Scale implements vg.Canvas.
func (c *fpdfCanvas) Scale(x, y float64) { c.mul([6]float64{x, 0, 0, y, 0, 0}) }

// Push implements vg.Canvas.
func (c *fpdfCanvas) Push() { c.stack = append(c.stack, *c.top()) }

// Pop implements vg.Canvas.
func (c *fpdfCanvas) Pop() {
	if len(c.stack) > 1 {
		c.stack = c.stack[:len(c.stack)-1]
		c.pdf.SetLineWidth(float64(c.top().width) * c.scale() * c.s)
	}
}

// Stroke implements vg.Canvas.
func (c *fpdfCanvas) Stroke(p vg.Path) {
	if c.top().width > 0 && c.path(p) {
		c.pdf.DrawPath("D")
	}
}

// Fill implements vg.Canvas.
func (c *fpdfCanvas) Fill(p vg.Path) {
	if c.path(p) {
		c.pdf.DrawPath("f")
	}
}

// path builds p in the PDF; arcs become short line segments.
func (c *fpdfCanvas) path(p vg.Path) bool {
	started := false
	to := func(pt vg.Point) {
		x, y := c.page(pt)
		if started {
			c.pdf.LineTo(x, y)
		} else {
			c.pdf.MoveTo(x, y)
			started = true
		}
	}
	for _, comp := range p {
		switch comp.Type {
		case vg.MoveComp:
			x, y := c.page(comp.Pos)
			c.pdf.MoveTo(x, y)
			started = true
		case vg.LineComp:
			to(comp.Pos)
		case vg.ArcComp:
			n := max(int(math.Abs(comp.Angle)/(math.Pi/24)), 4)
			for i := 0; i <= n; i++ {
				a := comp.Start + comp.Angle*float64(i)/float64(n)
				to(vg.Point{X: comp.Pos.X + comp.Radius*vg.Length(math.Cos(a)), Y: comp.Pos.Y + comp.Radius*vg.Length(math.Sin(a))})
			}
		case vg.CurveComp:
			// Drawn through its control points as lines: gonum's plots
			// use curves only in glyphs, where this is indistinguishable.
			for _, cp := range comp.Control {
				to(cp)
			}
			to(comp.Pos)
		case vg.CloseComp:
			if started {
				c.pdf.ClosePath()
			}
		}
	}
	return started
}

// liberation maps gonum's fonts onto the Liberation TTFs they measure
// text with, so that positions computed by gonum fit the glyphs drawn.
func liberation(f font.Font) (family, style string, ttf []byte) {
	bold, italic := f.Weight == stdfnt.WeightBold, f.Style == stdfnt.StyleItalic
	switch {
	case f.Variant == "Mono":
		return "fig-mono", "", liberationmonoregular.TTF
	case f.Variant == "Sans" && bold:
		return "fig-sans", "B", liberationsansbold.TTF
	case f.Variant == "Sans" && italic:
		return "fig-sans", "I", liberationsansitalic.TTF
	case f.Variant == "Sans":
		return "fig-sans", "", liberationsansregular.TTF
	case bold:
		return "fig-serif", "B", liberationserifbold.TTF
	case italic:
		return "fig-serif", "I", liberationserifitalic.TTF
	}
	return "fig-serif", "", liberationserifregular.TTF
}

// FillString implements vg.Canvas: text with its baseline at pt, rotated
// with the current transform.
func (c *fpdfCanvas) FillString(f font.Face, pt vg.Point, s string) {
	if f.Font.Size == 0 || s == "" {
		return
	}
	family, style, ttf := liberation(f.Font)
	if !c.fonts[family+style] {
		c.pdf.AddUTF8FontFromBytes(family, style, ttf)
		c.fonts[family+style] = true
	}
	// Font size in points on the page: the figure's points are c.s mm.
	c.pdf.SetFont(family, style, float64(f.Font.Size)*c.scale()*c.s/(25.4/72))
	x, y := c.page(pt)
	m := c.top().m
	angle := math.Atan2(m[1], m[0]) * 180 / math.Pi
	if math.Abs(angle) > 0.01 {
		c.pdf.TransformBegin()
		c.pdf.TransformRotate(angle, x, y)
		c.pdf.Text(x, y, s)
		c.pdf.TransformEnd()
		return
	}
	c.pdf.Text(x, y, s)
}

// DrawImage implements vg.Canvas.
func (c *fpdfCanvas) DrawImage(r vg.Rectangle, img image.Image) {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		c.pdf.SetError(fmt.Errorf("figure image: %w", err))
		return
	}
	name := fmt.Sprintf("img-%p", img)
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	c.pdf.RegisterImageOptionsReader(name, opt, &b)
	x0, y1 := c.page(r.Min)
	x1, y0 := c.page(r.Max)
	c.pdf.ImageOptions(name, x0, y0, x1-x0, y1-y0, false, opt, 0, "")
}

var _ vg.Canvas = (*fpdfCanvas)(nil)
