package report

import (
	"fmt"
	"image/color"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/edgerig/edgerig/sample"
)

// line is one series of a trial picked for a figure, with the legend
// name and palette index it is drawn with in every panel.
type line struct {
	Name   string
	Style  int
	Series *Series
}

// timeSpec describes a figure of measure-phase series, one panel per
// matrix combination.
type timeSpec struct {
	Name, Title, Caption, YLabel string
	Scale                        float64 // multiplies every value: bytes to MiB, % to ‰
	Pick                         func(*Trial) []line
	Baseline                     bool // draw the idle combination's mean as a reference in the others
	Lost                         bool // shade the intervals a host was lost
}

// drawn is one line of one panel after the repeats are combined.
type drawn struct {
	Name   string
	Style  int
	X      []float64
	Mean   []float64
	Lo, Hi []float64   // min and max over the repeats; nil with one repeat
	Reps   [][]float64 // each repeat's bin means, drawn faint
	avg    float64
}

// combine lines up one line's repeats bin for bin (at the coarsest width
// among them) and takes their mean, minimum and maximum in every bin.
func combine(name string, style int, reps []*Bins, scale float64) drawn {
	width := 0.0
	for _, b := range reps {
		width = max(width, b.Width)
	}
	n := 0
	cs := make([]*Bins, len(reps))
	for i, b := range reps {
		cs[i] = b.clone()
		cs[i].coarsenTo(width)
		n = max(n, cs[i].Len())
	}
	d := drawn{Name: name, Style: style}
	if len(cs) > 1 {
		d.Reps = make([][]float64, len(cs))
	}
	sum, cnt := 0.0, 0
	for i := range n {
		d.X = append(d.X, (float64(i)+0.5)*width)
		lo, hi, s, k := math.Inf(1), math.Inf(-1), 0.0, 0
		for r, b := range cs {
			v := b.Mean(i) * scale
			if d.Reps != nil {
				d.Reps[r] = append(d.Reps[r], v)
			}
			if math.IsNaN(v) {
				continue
			}
			lo, hi, s, k = math.Min(lo, v), math.Max(hi, v), s+v, k+1
		}
		m := math.NaN()
		if k > 0 {
			m = s / float64(k)
			sum, cnt = sum+m, cnt+1
		} else {
			lo, hi = math.NaN(), math.NaN()
		}
		d.Mean = append(d.Mean, m)
		if len(cs) > 1 {
			d.Lo, d.Hi = append(d.Lo, lo), append(d.Hi, hi)
		}
	}
	d.avg = math.NaN()
	if cnt > 0 {
		d.avg = sum / float64(cnt)
	}
	return d
}

// timeFigure builds one figure: a panel per combination in the matrix's
// grid, every panel on one x and one y scale; repeats as their mean with
// a min–max band and each repeat faint; the idle baseline as a dashed
// reference; a lost host shaded. Nil when no trial has a value to draw.
func timeFigure(a *Aggregate, spec timeSpec) (*Figure, error) {
	combos := a.Combos()
	rows, cols, cell, titles, axes := gridLayout(combos)
	panels := make([][]drawn, len(combos))
	ymin, ymax, xmax, any := 0.0, 0.0, 1.0, false
	repeats := false
	for ci, trials := range combos {
		byName := map[string][]*Bins{}
		style := map[string]int{}
		var names []string
		for _, t := range trials {
			xmax = max(xmax, t.Seconds)
			for _, l := range spec.Pick(t) {
				if _, ok := byName[l.Name]; !ok {
					names = append(names, l.Name)
				}
				byName[l.Name] = append(byName[l.Name], l.Series.Bins)
				style[l.Name] = l.Style
			}
		}
		repeats = repeats || len(trials) > 1
		for _, n := range names {
			d := combine(n, style[n], byName[n], spec.Scale)
			for i := range d.X {
				for _, v := range []float64{d.Mean[i], at(d.Lo, i), at(d.Hi, i)} {
					if !math.IsNaN(v) {
						ymin, ymax, any = math.Min(ymin, v), math.Max(ymax, v), true
					}
				}
				xmax = max(xmax, d.X[i]+d.X[0])
			}
			panels[ci] = append(panels[ci], d)
		}
		panels[ci] = busiest(panels[ci], maxLines)
	}
	if !any {
		return nil, nil
	}
	// A long measure phase reads better in minutes.
	unit := "seconds"
	if xmax > 900 {
		unit, xmax = "minutes", xmax/60
		for _, ds := range panels {
			for _, d := range ds {
				for i := range d.X {
					d.X[i] /= 60
				}
			}
		}
	}
	base, baseCombo := baseline(a, combos, spec)
	if ymax <= ymin {
		ymax = ymin + 1
	}
	f := &Figure{Name: spec.Name, Title: spec.Title, Caption: spec.Caption, Rows: rows, Cols: cols,
		Panels: make([]*plot.Plot, rows*cols)}
	// Titles too wide for their panel name the axes' values alone; the
	// figure's title then names the axes.
	probe := newPanel("", cols)
	for ci, trials := range combos {
		if probe.Title.TextStyle.Width(panelTitle(titles[ci], trials)) > FigureWidth/vg.Length(cols)*0.92 && len(axes) > 0 {
			for cj := range combos {
				titles[cj] = valuesTitle(combos[cj][0].Params, axes)
			}
			f.Title += " — panels: " + strings.Join(axes, " · ")
			break
		}
	}
	legend := map[string]bool{}
	for ci, trials := range combos {
		p := newPanel(panelTitle(titles[ci], trials), cols)
		if !hasBelow(cell, ci, cols) {
			p.X.Label.Text = unit + " since the measure phase started"
		}
		if cell[ci]%cols == 0 {
			p.Y.Label.Text = spec.YLabel
		}
		if spec.Lost {
			for _, t := range trials {
				for _, h := range sortedKeys(t.Lost) {
					ivs := t.Lost[h]
					if unit == "minutes" {
						ivs = make([]Interval, len(t.Lost[h]))
						for i, iv := range t.Lost[h] {
							ivs[i] = Interval{From: iv.From / 60, To: iv.To / 60}
						}
					}
					s := shade{Intervals: ivs, Color: color.NRGBA{R: 200, G: 60, B: 60, A: 0x30}}
					p.Add(s)
					if !legend["lost"] {
						legend["lost"] = true
						f.Legend = append(f.Legend, LegendEntry{Label: "host lost (shaded)", Thumb: s})
					}
				}
			}
		}
		for _, d := range panels[ci] {
			if err := addDrawn(p, d); err != nil {
				return nil, fmt.Errorf("figure %s: %s: %w", spec.Name, titles[ci], err)
			}
			if !legend["line:"+d.Name] {
				legend["line:"+d.Name] = true
				f.Legend = append(f.Legend, LegendEntry{Label: d.Name, Thumb: lineStyle(d.Style)})
			}
		}
		if !math.IsNaN(base) && ci != baseCombo && trials[0].Params["orchestrator.kind"] != "none" {
			l := baseLine(base, xmax)
			p.Add(l)
			if !legend["base"] {
				legend["base"] = true
				f.Legend = append(f.Legend, LegendEntry{Label: "idle baseline (orchestrator.kind=none), mean", Thumb: l})
			}
		}
		if len(panels[ci]) == 0 {
			p.Title.Text += " — no samples"
		}
		// Set last: adding plotters widens the axes to their data, and every
		// panel must share one scale.
		p.X.Min, p.X.Max = 0, xmax
		p.Y.Min, p.Y.Max = ymin, ymax+(ymax-ymin)*0.05
		f.Panels[cell[ci]] = p
	}
	if repeats {
		f.Legend = append(f.Legend,
			LegendEntry{Label: "min–max of repeats", Thumb: band{Color: translucent(color.Gray{Y: 90}, 0x50)}},
			LegendEntry{Label: "each repeat (faint)", Thumb: faint(0)})
	}
	return f, nil
}

func at(s []float64, i int) float64 {
	if s == nil {
		return math.NaN()
	}
	return s[i]
}

// hasBelow reports whether a panel has another one under it in the grid.
func hasBelow(cell []int, ci, cols int) bool { return slices.Contains(cell, cell[ci]+cols) }

// panelTitle names a combination, its number of repeats, and whether any
// of its trials was cut short.
func panelTitle(title string, trials []*Trial) string {
	if len(trials) > 1 {
		title += fmt.Sprintf(" (%d repeats)", len(trials))
	}
	cut := 0
	for _, t := range trials {
		if !t.Complete {
			cut++
		}
	}
	switch {
	case cut == 1 && len(trials) == 1:
		title += " — INCOMPLETE"
	case cut > 0:
		title += fmt.Sprintf(" — %d INCOMPLETE", cut)
	}
	return title
}

// newPanel is an empty panel with the report's ticks and fonts, smaller
// the more columns share the width.
func newPanel(title string, cols int) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	size := vg.Points(10)
	if cols >= 3 {
		size = vg.Points(8.5)
	}
	p.Title.TextStyle.Font.Size = size + 1
	p.X.Label.TextStyle.Font.Size, p.Y.Label.TextStyle.Font.Size = size, size
	p.X.Tick.Label.Font.Size, p.Y.Tick.Label.Font.Size = size-1, size-1
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
	p.Add(plotter.NewGrid())
	return p
}

func lineStyle(style int) *plotter.Line {
	l := &plotter.Line{LineStyle: draw.LineStyle{Color: plotutil.Color(style), Width: vg.Points(1.4),
		Dashes: plotutil.Dashes(style / len(plotutil.DefaultColors))}}
	return l
}

func faint(style int) *plotter.Line {
	return &plotter.Line{LineStyle: draw.LineStyle{Color: translucent(plotutil.Color(style), 0x60), Width: vg.Points(0.6)}}
}

func baseLine(v, xmax float64) *plotter.Line {
	l, _ := plotter.NewLine(plotter.XYs{{X: 0, Y: v}, {X: xmax, Y: v}})
	l.Color = color.Gray{Y: 40}
	l.Width = vg.Points(1)
	l.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
	return l
}

// addDrawn draws one combined line: each repeat faint, the band, the mean
// on top, broken where bins are empty (a lost node, a gap) so that no line
// pretends to know values it never saw.
func addDrawn(p *plot.Plot, d drawn) error {
	for _, r := range d.Reps {
		for _, seg := range chunks(segments(d.X, r)) {
			if len(seg) < 2 {
				continue
			}
			l := faint(d.Style)
			l.XYs = seg
			p.Add(l)
		}
	}
	if d.Lo != nil {
		p.Add(band{X: d.X, Lo: d.Lo, Hi: d.Hi, Color: translucent(plotutil.Color(d.Style), 0x38)})
	}
	for _, seg := range segments(d.X, d.Mean) {
		if len(seg) == 1 { // a lone value (a container seen once) has no line: mark it
			sc, err := plotter.NewScatter(seg)
			if err != nil {
				return fmt.Errorf("%s: %w", d.Name, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(d.Style), Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
	}
	for _, seg := range chunks(segments(d.X, d.Mean)) {
		if len(seg) < 2 {
			continue
		}
		l := lineStyle(d.Style)
		l.XYs = seg
		p.Add(l)
	}
	return nil
}

// chunkLen bounds the points of one stroked path. gonum's PNG canvas
// (freetype's rasterizer) takes time quadratic in a path's length: one
// path of 480 points took most of a long run's render.
const chunkLen = 40

// chunks cuts segments into paths of at most chunkLen points that share
// their end points, so the line looks unbroken.
func chunks(segs []plotter.XYs) []plotter.XYs {
	var out []plotter.XYs
	for _, s := range segs {
		for len(s) > chunkLen {
			out = append(out, s[:chunkLen])
			s = s[chunkLen-1:]
		}
		out = append(out, s)
	}
	return out
}

// segments splits a binned series at its empty bins, joining across one
// empty bin (ticks jitter around bin edges) but not across longer gaps.
func segments(x, v []float64) []plotter.XYs {
	var out []plotter.XYs
	var cur plotter.XYs
	gap := 0
	for i := range x {
		if math.IsNaN(v[i]) {
			gap++
			if gap > 1 && len(cur) > 0 {
				out, cur = append(out, cur), nil
			}
			continue
		}
		gap = 0
		cur = append(cur, plotter.XY{X: x[i], Y: v[i]})
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// maxLines is how many lines a panel shows and its legend can name.
const maxLines = 10

// busiest keeps the n lines with the highest mean, in their order. The
// axes already cover every line, so panels keep one scale.
func busiest(ds []drawn, n int) []drawn {
	if len(ds) <= n {
		return ds
	}
	idx := make([]int, len(ds))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := ds[a].avg, ds[b].avg
		switch {
		case x > y || !math.IsNaN(x) && math.IsNaN(y):
			return -1
		case x < y || math.IsNaN(x) && !math.IsNaN(y):
			return 1
		}
		return 0
	})
	keep := idx[:n]
	slices.Sort(keep)
	out := make([]drawn, 0, n)
	for _, i := range keep {
		out = append(out, ds[i])
	}
	return out
}

// baseline is the mean over the idle combination (orchestrator.kind:
// none) of its lines' means, and that combination's index; NaN when the
// run has none or nothing else to compare it with.
func baseline(a *Aggregate, combos [][]*Trial, spec timeSpec) (float64, int) {
	if !spec.Baseline || len(combos) < 2 {
		return math.NaN(), -1
	}
	for ci, trials := range combos {
		if trials[0].Params["orchestrator.kind"] != "none" {
			continue
		}
		sum, n := 0.0, 0
		for _, t := range trials {
			for _, l := range spec.Pick(t) {
				if !math.IsNaN(l.Series.Stat.Mean) {
					sum, n = sum+l.Series.Stat.Mean*spec.Scale, n+1
				}
			}
		}
		if n > 0 {
			return sum / float64(n), ci
		}
	}
	return math.NaN(), -1
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// hostStyles gives every host one palette index for all figures.
func hostStyles(a *Aggregate) map[string]int {
	var hosts []string
	for _, h := range a.Hosts {
		hosts = append(hosts, h.Name)
	}
	for _, t := range a.Trials {
		for _, h := range t.Hosts() {
			if !slices.Contains(hosts, h) {
				hosts = append(hosts, h)
			}
		}
	}
	slices.Sort(hosts)
	out := map[string]int{}
	for i, h := range hosts {
		out[h] = i
	}
	return out
}

// hostLines picks one line per host of a host-kind metric.
func hostLines(kind sample.Kind, metric string, styles map[string]int) func(*Trial) []line {
	return func(t *Trial) []line {
		var out []line
		for _, s := range t.Series {
			if s.Key.Kind == string(kind) && s.Key.Metric == metric && s.Key.Label == "" {
				out = append(out, line{Name: s.Key.Host, Style: styles[s.Key.Host], Series: s})
			}
		}
		return out
	}
}
