package report

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// trace is one line to draw in a trial's panel.
type trace struct {
	Name  string // legend entry
	Style int    // index into the palette, stable across panels
	T, V  []float64
}

// timeFigure builds a figure with one panel per trial, titled by the
// trial's parameters, all on the same x and y scales so that trials can be
// compared by eye. pick chooses the traces of a trial; lost shades the
// intervals during which a host was lost (hostStyle gives its color).
func timeFigure(name, title, ylabel string, data []*trialData, pick func(*trialData) []trace, hostStyle map[string]int) (*figure, error) {
	f := &figure{Name: name, Title: title}
	ymin, ymax, xmax := 0.0, 0.0, 0.0
	traces := make([][]trace, len(data))
	for i, td := range data {
		traces[i] = pick(td)
		for _, tr := range traces[i] {
			for j, v := range tr.V {
				ymax = math.Max(ymax, v)
				ymin = math.Min(ymin, v)
				xmax = math.Max(xmax, tr.T[j])
			}
		}
		xmax = math.Max(xmax, td.Seconds())
	}
	shown := make([][]trace, len(data))
	for i := range data {
		shown[i] = busiest(traces[i], maxTraces)
	}
	if ymax <= 0 {
		ymax = 1
	}
	if xmax <= 0 {
		xmax = 1
	}
	for i, td := range data {
		p := plot.New()
		p.Title.Text = td.Title
		if !td.Complete {
			p.Title.Text += " (cut short)"
		}
		p.X.Label.Text = "seconds since the measure phase started"
		p.Y.Label.Text = ylabel
		p.X.Tick.Marker, p.Y.Tick.Marker = niceTicks{}, niceTicks{}
		p.Add(plotter.NewGrid())
		p.Legend.Top = true
		p.Legend.TextStyle.Font.Size = vg.Points(9)
		if err := addShades(p, td, hostStyle); err != nil {
			return nil, err
		}
		for _, tr := range shown[i] {
			if err := addTrace(p, tr); err != nil {
				return nil, fmt.Errorf("%s: trial %s: %w", name, td.ID, err)
			}
		}
		if len(traces[i]) == 0 {
			p.Title.Text += " — no samples"
		}
		if len(traces[i]) > len(shown[i]) {
			p.Title.Text += fmt.Sprintf(" — top %d of %d by mean", len(shown[i]), len(traces[i]))
		}
		// Set last: adding plotters widens the axes to their data, and every
		// panel must share one scale. Room above the highest value for the legend.
		p.X.Min, p.X.Max = 0, xmax
		p.Y.Min, p.Y.Max = ymin, ymax+(ymax-ymin)*0.25
		f.Panels = append(f.Panels, p)
	}
	return f, nil
}

func addShades(p *plot.Plot, td *trialData, hostStyle map[string]int) error {
	hosts := make([]string, 0, len(td.Lost))
	for h := range td.Lost {
		hosts = append(hosts, h)
	}
	slices.Sort(hosts)
	for _, h := range hosts {
		s := shade{Intervals: td.Lost[h], Color: translucent(plotutil.Color(hostStyle[h]))}
		p.Add(s)
		p.Legend.Add(h+" lost", s)
	}
	return nil
}

// addTrace draws tr as lines broken where samples are missing (a lost
// node, a gap), so that no line pretends to know values it never saw.
func addTrace(p *plot.Plot, tr trace) error {
	for _, seg := range segments(tr.T, tr.V) {
		if len(seg) != 1 {
			continue
		}
		// A lone sample (a container seen once) has no line to draw: mark it.
		sc, err := plotter.NewScatter(seg)
		if err != nil {
			return fmt.Errorf("%s: %w", tr.Name, err)
		}
		sc.GlyphStyle = draw.GlyphStyle{Color: plotutil.Color(tr.Style), Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
		p.Add(sc)
	}
	for k, seg := range chunks(segments(tr.T, tr.V)) {
		l, err := plotter.NewLine(seg)
		if err != nil {
			return fmt.Errorf("%s: %w", tr.Name, err)
		}
		l.Color = plotutil.Color(tr.Style)
		l.Dashes = plotutil.Dashes(tr.Style / len(plotutil.DefaultColors))
		l.Width = vg.Points(1.2)
		p.Add(l)
		if k == 0 {
			p.Legend.Add(tr.Name, l)
		}
	}
	return nil
}

// segments splits a series where the step between ticks is more than 2.5
// times its median step.
func segments(t, v []float64) []plotter.XYs {
	if len(t) == 0 {
		return nil
	}
	steps := make([]float64, 0, len(t))
	for i := 1; i < len(t); i++ {
		steps = append(steps, t[i]-t[i-1])
	}
	limit := math.Inf(1)
	if len(steps) > 0 {
		slices.Sort(steps)
		limit = 2.5 * steps[len(steps)/2]
	}
	var out []plotter.XYs
	cur := plotter.XYs{{X: t[0], Y: v[0]}}
	for i := 1; i < len(t); i++ {
		if t[i]-t[i-1] > limit {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, plotter.XY{X: t[i], Y: v[i]})
	}
	return append(out, cur)
}

// chunkLen bounds the points of one stroked path. gonum's PNG canvas
// (freetype's rasterizer) takes time quadratic in a path's length: a ten
// minute series of 600 points as one path took seconds to draw.
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

// maxTraces is how many lines a panel can show with a readable legend.
const maxTraces = 10

// busiest keeps the n traces with the highest mean, in their order. The
// axes still cover every trace, so panels keep one scale.
func busiest(trs []trace, n int) []trace {
	if len(trs) <= n {
		return trs
	}
	idx := make([]int, len(trs))
	means := make([]float64, len(trs))
	for i, tr := range trs {
		idx[i] = i
		means[i] = mean(tr.V)
		if len(tr.V) == 0 {
			means[i] = math.Inf(-1)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case means[a] > means[b]:
			return -1
		case means[a] < means[b]:
			return 1
		}
		return 0
	})
	keep := idx[:n]
	slices.Sort(keep)
	out := make([]trace, 0, n)
	for _, i := range keep {
		out = append(out, trs[i])
	}
	return out
}
