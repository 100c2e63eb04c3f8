package compare

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette tells the runs apart; it cycles past six runs.
var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff}, color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, color.RGBA{0x94, 0x67, 0xbd, 0xff}, color.RGBA{0x8c, 0x56, 0x4b, 0xff},
}

// Figure is one saved figure: a role and metric, its trials as groups of
// bars (one bar per run) with interval whiskers.
type Figure struct {
	Role, Metric string
	Base         string // path without extension; .png and .svg exist
}

// Figures draws one figure per role and metric into dir and returns them.
func (c *Comparison) Figures(dir string) ([]Figure, error) {
	type rm struct{ role, metric string }
	var order []rm
	rows := map[rm][]Row{}
	for _, r := range c.Rows {
		k := rm{r.Role, r.Metric}
		if _, ok := rows[k]; !ok {
			order = append(order, k)
		}
		rows[k] = append(rows[k], r)
	}
	var figs []Figure
	for i, k := range order {
		p, err := c.barPlot(k.role, k.metric, rows[k])
		if err != nil {
			return nil, err
		}
		base := filepath.Join(dir, fmt.Sprintf("compare-%02d-%s-%s", i+1, slug(k.role), slug(k.metric)))
		width := vg.Length(max(5, 1.5+0.45*float64(len(rows[k])*len(c.Runs)))) * vg.Inch
		for _, ext := range []string{".png", ".svg"} {
			if err := p.Save(width, 3.2*vg.Inch, base+ext); err != nil {
				return nil, fmt.Errorf("compare: save %s: %w", base+ext, err)
			}
		}
		figs = append(figs, Figure{Role: k.role, Metric: k.metric, Base: base})
	}
	return figs, nil
}

func (c *Comparison) barPlot(role, metric string, rows []Row) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s — role %s (bars: mean; whiskers: 95 %% CI; * ratio CI excludes 1)", metric, role)
	p.Title.TextStyle.Font.Size = vg.Points(9)
	p.Y.Label.Text = metric
	p.Legend.Top = true
	p.Legend.Left = false
	n := len(c.Runs)
	barW := vg.Points(14)
	var names []string
	var keys string
	top := 0.0
	for _, r := range rows {
		name, k := shortTitle(r.Trial)
		names, keys = append(names, name), k
		for _, cl := range r.Cells {
			if cl.Present {
				top = math.Max(top, cl.Mean.Est)
				if !math.IsInf(cl.Mean.Hi, 0) && !math.IsNaN(cl.Mean.Hi) {
					top = math.Max(top, cl.Mean.Hi)
				}
			}
		}
	}
	p.X.Label.Text = keys
	for i := range c.Runs {
		vals := make(plotter.Values, len(rows))
		w := &whiskers{width: barW / 2}
		for j, r := range rows {
			cl := r.Cells[i]
			if !cl.Present {
				continue // a bar of 0 and no whisker: the run lacks it
			}
			vals[j] = cl.Mean.Est
			if !math.IsNaN(cl.Mean.Lo) {
				w.pts = append(w.pts, whisker{x: float64(j), lo: cl.Mean.Lo, hi: cl.Mean.Hi})
			}
		}
		bars, err := plotter.NewBarChart(vals, barW)
		if err != nil {
			return nil, err
		}
		bars.Offset = (vg.Length(i) - vg.Length(n-1)/2) * barW
		bars.Color = palette[i%len(palette)]
		bars.LineStyle.Width = 0
		w.offset = bars.Offset
		p.Add(bars, w)
		label := c.Runs[i]
		if i > 0 && anyDiffers(rows, i) {
			label += " *"
		}
		p.Legend.Add(label, bars)
	}
	p.NominalX(names...)
	p.Y.Min = 0
	// Headroom for the legend, so that it never covers a bar or whisker.
	p.Y.Max = top * (1.15 + 0.12*float64(n))
	return p, nil
}

// whiskers draws interval whiskers centred on bars that are shifted by
// offset (as plotter.BarChart shifts grouped bars), which gonum's own
// error bars, placed in data units only, cannot follow.
type whiskers struct {
	pts    []whisker
	offset vg.Length
	width  vg.Length
}

type whisker struct{ x, lo, hi float64 }

func (w *whiskers) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ls := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	for _, pt := range w.pts {
		x := trX(pt.x) + w.offset
		lo, hi := trY(pt.lo), trY(pt.hi)
		c.StrokeLine2(ls, x, lo, x, hi)
		c.StrokeLine2(ls, x-w.width/2, lo, x+w.width/2, lo)
		c.StrokeLine2(ls, x-w.width/2, hi, x+w.width/2, hi)
	}
}

// DataRange makes the axes hold the whiskers' tops.
func (w *whiskers) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), 0
	xmax, ymax = math.Inf(-1), 0
	for _, pt := range w.pts {
		xmin, xmax = math.Min(xmin, pt.x), math.Max(xmax, pt.x)
		if !math.IsInf(pt.hi, 0) {
			ymax = math.Max(ymax, pt.hi)
		}
	}
	if len(w.pts) == 0 {
		xmin, xmax = 0, 0
	}
	return xmin, xmax, ymin, ymax
}

// shortTitle turns "a=x, b=y" into the tick label "x, y" and the axis
// label "a, b", so that ticks stay short enough not to overprint.
func shortTitle(title string) (values, keys string) {
	var vs, ks []string
	for _, part := range strings.Split(title, ", ") {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return title, ""
		}
		ks, vs = append(ks, k), append(vs, v)
	}
	return strings.Join(vs, ", "), strings.Join(ks, ", ")
}

func anyDiffers(rows []Row, i int) bool {
	for _, r := range rows {
		if r.Cells[i].Differs {
			return true
		}
	}
	return false
}

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			if !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
	}
	return strings.Trim(b.String(), "-")
}
