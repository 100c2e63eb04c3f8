package report

import "math"

// maxBins bounds the points a series keeps for drawing: a figure panel is
// a few hundred pixels wide, so more would not show, and memory stays
// flat however long the run.
const maxBins = 480

// Bins is a series reduced over time for drawing: bin i covers seconds
// [i·Width, (i+1)·Width) after its origin (a trial's measure start, or the
// run's start for the timeline) and holds the count, sum, minimum and
// maximum of the values that fell in it. When a value falls past maxBins
// the bins merge in pairs and Width doubles, so a run of any length fits.
type Bins struct {
	Width float64
	N     []int32
	Sum   []float64
	Min   []float64
	Max   []float64
}

func newBins(width float64) *Bins {
	if !(width > 0) {
		width = 1
	}
	return &Bins{Width: width}
}

// add puts v at sec seconds after the origin; earlier values go to the
// first bin (a host clock a few milliseconds ahead of the phase event).
func (b *Bins) add(sec, v float64) {
	sec = max(sec, 0)
	i := int(sec / b.Width)
	for i >= maxBins {
		b.coarsen()
		i = int(sec / b.Width)
	}
	for len(b.N) <= i {
		b.N = append(b.N, 0)
		b.Sum = append(b.Sum, 0)
		b.Min = append(b.Min, math.Inf(1))
		b.Max = append(b.Max, math.Inf(-1))
	}
	b.N[i]++
	b.Sum[i] += v
	b.Min[i] = math.Min(b.Min[i], v)
	b.Max[i] = math.Max(b.Max[i], v)
}

// coarsen merges bins in pairs and doubles their width.
func (b *Bins) coarsen() {
	n := (len(b.N) + 1) / 2
	for i := range n {
		j := 2 * i
		b.N[i], b.Sum[i], b.Min[i], b.Max[i] = b.N[j], b.Sum[j], b.Min[j], b.Max[j]
		if j+1 < len(b.N) {
			b.N[i] += b.N[j+1]
			b.Sum[i] += b.Sum[j+1]
			b.Min[i] = math.Min(b.Min[i], b.Min[j+1])
			b.Max[i] = math.Max(b.Max[i], b.Max[j+1])
		}
	}
	b.N, b.Sum, b.Min, b.Max = b.N[:n], b.Sum[:n], b.Min[:n], b.Max[:n]
	b.Width *= 2
}

// coarsenTo merges bins until they are at least width seconds wide, so
// that series of several repeats line up bin for bin.
func (b *Bins) coarsenTo(width float64) {
	for b.Width < width*(1-1e-9) {
		b.coarsen()
	}
}

// Len is the number of bins.
func (b *Bins) Len() int { return len(b.N) }

// Mean is bin i's mean, NaN when nothing fell in it.
func (b *Bins) Mean(i int) float64 {
	if i >= len(b.N) || b.N[i] == 0 {
		return math.NaN()
	}
	return b.Sum[i] / float64(b.N[i])
}

// Center is the middle of bin i in seconds after the origin.
func (b *Bins) Center(i int) float64 { return (float64(i) + 0.5) * b.Width }

func (b *Bins) clone() *Bins {
	return &Bins{Width: b.Width, N: append([]int32(nil), b.N...), Sum: append([]float64(nil), b.Sum...),
		Min: append([]float64(nil), b.Min...), Max: append([]float64(nil), b.Max...)}
}
