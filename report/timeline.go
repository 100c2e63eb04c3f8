package report

import (
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// phaseColors shade the timeline's phases, light enough for lines on top.
var phaseColors = map[string]color.Color{
	"setup":    color.NRGBA{R: 120, G: 160, B: 230, A: 0x38},
	"settle":   color.NRGBA{R: 240, G: 200, B: 60, A: 0x40},
	"measure":  color.NRGBA{R: 90, G: 190, B: 110, A: 0x38},
	"teardown": color.NRGBA{R: 150, G: 150, B: 150, A: 0x40},
}

// phaseColor is a phase's shade; a phase of another name gets violet.
func phaseColor(ph string) color.Color {
	if c, ok := phaseColors[ph]; ok {
		return c
	}
	return color.NRGBA{R: 200, G: 120, B: 200, A: 0x38}
}

var phaseOrder = []string{"setup", "settle", "measure", "teardown"}

// markStyles draw the timeline's events.
var markStyles = []struct {
	typ, label string
	color      color.Color
	shape      draw.GlyphDrawer
}{
	{results.EventNodeLost, "node lost", color.RGBA{R: 200, G: 30, B: 30, A: 255}, draw.PyramidGlyph{}},
	{results.EventNodeBack, "node back", color.RGBA{G: 140, B: 60, A: 255}, draw.CircleGlyph{}},
	{results.EventError, "error (step failed)", color.Black, draw.CrossGlyph{}},
	{results.EventInterrupt, "interrupt", color.RGBA{R: 130, B: 160, A: 255}, draw.SquareGlyph{}},
	{results.EventGap, "sample gap", color.RGBA{R: 230, G: 130, A: 255}, draw.RingGlyph{}},
}

// timelineFigure draws the whole run: each host's CPU and memory over
// every phase of every trial, the phases shaded and labelled, the notable
// events marked. Nil when the run has no phases and no host samples.
func timelineFigure(a *Aggregate, styles map[string]int) (*Figure, error) {
	tl := a.Timeline
	if len(tl.Phases) == 0 && len(tl.Series) == 0 {
		return nil, nil
	}
	unit, per := "seconds", 1.0
	if tl.End > 900 {
		unit, per = "minutes", 60
	}
	f := &Figure{Name: "timeline", Title: "The whole run: every phase and event", Rows: 2, Cols: 1,
		Caption: "Host CPU and memory over the whole run, " + unit + " since it started. Shading marks each trial's " +
			"setup, settle, measure and teardown phases; vertical lines mark events."}
	shades := map[string][]Interval{}
	labels := map[string][]Interval{} // measure phases, labelled with their trial
	var used []string
	for _, p := range tl.Phases {
		iv := Interval{From: p.From / per, To: p.To / per}
		if p.Phase == measurePhase {
			labels[p.Trial] = append(labels[p.Trial], iv)
		}
		shades[p.Phase] = append(shades[p.Phase], iv)
	}
	for _, ph := range append(phaseOrder, sortedKeys(shades)...) {
		if shades[ph] != nil && !contains(used, ph) {
			used = append(used, ph)
		}
	}
	metrics := []struct {
		metric, ylabel string
		scale          float64
	}{{sample.CPUPct, "CPU (% of the machine)", 1}, {sample.MemUsedBytes, "memory used (MiB)", 1.0 / mib}}
	legend := map[string]bool{}
	for i, m := range metrics {
		p := newPanel("", 1)
		p.Y.Label.Text = m.ylabel
		if i == len(metrics)-1 {
			p.X.Label.Text = unit + " since the run started"
		}
		for _, ph := range used {
			p.Add(shade{Intervals: shades[ph], Color: phaseColor(ph)})
		}
		if i == 0 {
			for _, tr := range sortedKeys(labels) {
				p.Add(shade{Intervals: labels[tr], Color: color.Transparent, Label: tr})
			}
		}
		for _, s := range tl.Series {
			if s.Key.Metric != m.metric {
				continue
			}
			d := binsLine(s.Bins, m.scale, per)
			d.Name, d.Style = s.Key.Host, styles[s.Key.Host]
			if err := addDrawn(p, d); err != nil {
				return nil, err
			}
			if !legend[d.Name] {
				legend[d.Name] = true
				f.Legend = append(f.Legend, LegendEntry{Label: d.Name, Thumb: lineStyle(d.Style)})
			}
		}
		for _, ms := range markStyles {
			var at []float64
			for _, mk := range tl.Marks {
				if mk.Type == ms.typ {
					at = append(at, mk.At/per)
				}
			}
			if len(at) == 0 {
				continue
			}
			mp := marks{At: at, Style: draw.LineStyle{Color: ms.color, Width: vg.Points(0.8), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}},
				Glyph: draw.GlyphStyle{Color: ms.color, Radius: vg.Points(3), Shape: ms.shape}}
			p.Add(mp)
			if !legend["mark:"+ms.typ] {
				legend["mark:"+ms.typ] = true
				f.Legend = append(f.Legend, LegendEntry{Label: ms.label, Thumb: mp})
			}
		}
		p.X.Min, p.X.Max = 0, max(tl.End/per, 1e-9)
		if p.Y.Max <= p.Y.Min {
			p.Y.Min, p.Y.Max = 0, 1
		}
		p.Y.Min = min(p.Y.Min, 0)
		p.Y.Max += (p.Y.Max - p.Y.Min) * 0.12 // room for the phase labels
		f.Panels = append(f.Panels, p)
	}
	for _, ph := range used {
		f.Legend = append(f.Legend, LegendEntry{Label: ph, Thumb: shade{Color: phaseColor(ph)}})
	}
	return f, nil
}

// binsLine is one timeline series as a line: bin means at bin centres.
func binsLine(b *Bins, scale, per float64) drawn {
	var d drawn
	for i := range b.Len() {
		d.X = append(d.X, b.Center(i)/per)
		d.Mean = append(d.Mean, b.Mean(i)*scale)
	}
	return d
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

var _ plot.Plotter = shade{}
