package report

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/edgerig/edgerig/delay"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
	"github.com/edgerig/edgerig/spec"
)

// wordCount is what the word-count workload left in a run directory:
// delays.csv, batches.csv and its events, grouped by trial.
type wordCount struct {
	rows    map[string][]delay.Row
	batches map[string][]delay.BatchRow
	// per trial: the summary event's poll interval, the warm-up's outcome
	// and the placement of the parts.
	poll      map[string]float64
	size      map[string]string // file size from the summary event, for runs without a matrix over it
	warmup    map[string]string
	placement map[string]map[string]any
	failures  map[string][]string // per trial: submit errors and daemon failures, as recorded
	trials    []string            // in the run's order
	err       error
}

// loadWordCount reads the word-count files of the run; nil when the run
// has none (another experiment).
func loadWordCount(a *Aggregate) *wordCount {
	dp := filepath.Join(a.RunDir, "delays.csv")
	f, err := os.Open(dp)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	w := &wordCount{rows: map[string][]delay.Row{}, batches: map[string][]delay.BatchRow{}, poll: map[string]float64{}, size: map[string]string{},
		warmup: map[string]string{}, placement: map[string]map[string]any{}, failures: map[string][]string{}}
	if err != nil {
		w.err = err
		return w
	}
	defer f.Close()
	rows, err := delay.ReadFiles(f, dp)
	if err != nil {
		w.err = err
		return w
	}
	seen := map[string]bool{}
	for _, t := range a.Trials {
		w.trials = append(w.trials, t.ID)
		seen[t.ID] = true
	}
	for _, r := range rows {
		w.rows[r.Trial] = append(w.rows[r.Trial], r)
		if !seen[r.Trial] {
			seen[r.Trial] = true
			w.trials = append(w.trials, r.Trial)
		}
	}
	bp := filepath.Join(a.RunDir, "batches.csv")
	if bf, err := os.Open(bp); err == nil {
		bs, err := delay.ReadBatches(bf, bp)
		bf.Close()
		if err != nil {
			w.err = err
			return w
		}
		for _, b := range bs {
			w.batches[b.Trial] = append(w.batches[b.Trial], b)
		}
	}
	w.readEvents(filepath.Join(a.RunDir, "events.jsonl"))
	return w
}

func (w *wordCount) readEvents(path string) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		var e results.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		switch {
		case e.Message == "wordcount placement":
			w.placement[e.Trial] = e.Data
		case strings.HasPrefix(e.Message, "wordcount delays:"):
			if v, ok := e.Data["poll_interval_s"].(float64); ok {
				w.poll[e.Trial] = v
			}
			if v, ok := e.Data["file_size_b"].(float64); ok && v > 0 {
				w.size[e.Trial] = spec.Size(int64(v)).String()
			}
		case e.Message == "warm-up done":
			w.warmup[e.Trial] = fmt.Sprintf("converged after %.0f s and %v file(s): %v", e.Data["seconds"], e.Data["files"], e.Data["why"])
		case strings.HasPrefix(e.Message, "warm-up did not converge"):
			w.warmup[e.Trial] = e.Message
		case e.Type == results.EventError && e.Trial != "":
			w.failures[e.Trial] = append(w.failures[e.Trial], e.Message)
		}
	}
}

func (w *wordCount) interval(trial string) float64 {
	if v := w.poll[trial]; v > 0 {
		return v
	}
	return 1
}

func trialByID(a *Aggregate, id string) *Trial {
	for _, t := range a.Trials {
		if t.ID == id {
			return t
		}
	}
	return nil
}

func fileSize(a *Aggregate, w *wordCount, id string) string {
	if t := trialByID(a, id); t != nil && t.Params["workload.file_size"] != "" {
		return t.Params["workload.file_size"]
	}
	if s := w.size[id]; s != "" {
		return s
	}
	return "not recorded"
}

// paperDelay is the spec's reference delay for a file size
// (reference.delay_<size>_s), "–" when it has none.
func paperDelay(a *Aggregate, size string) string {
	if v, ok := a.Reference["delay_"+size+"_s"]; ok {
		return v + " s"
	}
	return "–"
}

// WordCountSection is the word-count experiment's part of the report:
// Table 4 beside the paper, the breakdown of the delay, the figures of
// delay over time, batch time against the interval and the breakdown, the
// processes' CPU and memory, the placement as run, the warm-up and the
// failures. It adds nothing to a run without delays.csv.
func WordCountSection(a *Aggregate) []Block {
	w := loadWordCount(a)
	if w == nil {
		return nil
	}
	out := []Block{{Heading: "Word-count delay (Table 4)"}}
	if w.err != nil {
		return append(out, Block{Text: "The word-count results could not be read: " + w.err.Error() + "."})
	}
	out = append(out, Block{Text: "Delay of every file: the moment its batch's output was printed minus the moment it was due, " +
		"on the runner's clock after correcting each host's clock offset; ± the largest error bound of a file. " +
		"Percentiles from an HDR histogram (3 significant digits). Files sent more than 1 ms after they were due are counted as late."},
		Block{Table: table4(a, w)})
	out = append(out, Block{Subheading: "Where the delay goes"}, Block{Text: breakdownText}, Block{Table: breakdownTable(w)},
		Block{Text: explain(a, w)})
	for _, f := range []*Figure{delayFigure(w), batchFigure(w), breakdownFigure(a, w), processFigure(a)} {
		if f != nil {
			out = append(out, Block{Figure: f})
		}
	}
	out = append(out, Block{Subheading: "Batches"}, Block{Table: batchTable(w)})
	if t := placementTable(w); t != nil {
		out = append(out, Block{Subheading: "Placement as run (Table 2)"}, Block{Table: t})
	}
	var warm []string
	for _, id := range w.trials {
		if s := w.warmup[id]; s != "" {
			warm = append(warm, id+": "+s)
		}
	}
	if len(warm) > 0 {
		out = append(out, Block{Subheading: "Warm-up"}, Block{Text: "Before measuring, the job was fed one file at a time until " +
			"a file was printed and its last three batches each took less than the interval; those files are not measured."}, Block{List: warm})
	}
	var fails []string
	for _, id := range w.trials {
		for _, m := range w.failures[id] {
			fails = append(fails, id+": "+m)
		}
		lost := map[string]int{}
		for _, r := range w.rows[id] {
			if r.Lost != "" {
				lost[batchStampRE.ReplaceAllString(r.Lost, "batch")]++
			}
		}
		for _, why := range sortedKeys(lost) {
			fails = append(fails, fmt.Sprintf("%s: %d file(s) lost: %s", id, lost[why], why))
		}
	}
	if len(fails) > 0 {
		out = append(out, Block{Subheading: "Failures and lost files"}, Block{List: fails})
	}
	return out
}

// batchStampRE finds the batch time in a lost file's reason, so that files
// lost the same way are listed once.
var batchStampRE = regexp.MustCompile(`batch \d\d:\d\d:\d\d\.\d{3}`)

const breakdownText = "Each file's delay is the sum of: scheduling lateness (due → sent), CREATE+write (the NameNode's 307 " +
	"and the DataNode's 201), RENAME into the watched directory, waiting for the next batch boundary (renamed → batch time), " +
	"queued in Spark (batch time → its jobs start: the driver's Total delay minus execution), execution (→ its output starts " +
	"printing) and printing. Means and p99 in milliseconds; the means add up to the mean delay."

func table4(a *Aggregate, w *wordCount) *Table {
	t := NewTable("trial", "file size", ">polling s", ">files", ">lost", ">late", ">p50 s", ">p90 s", ">p99 s", ">max s", ">± bound ms", "paper (Table 4)")
	for _, id := range w.trials {
		rows := w.rows[id]
		if len(rows) == 0 {
			continue
		}
		s := delay.SummarizeRows(rows)
		size := fileSize(a, w, id)
		sec := func(d time.Duration) string {
			if s.Files == s.Lost {
				return "–"
			}
			return Num(d.Seconds(), 2)
		}
		t.Add(id, size, Num(w.interval(id), 1), fmt.Sprint(s.Files), fmt.Sprint(s.Lost), fmt.Sprint(s.Late),
			sec(s.P50), sec(s.P90), sec(s.P99), sec(s.Max), Num(float64(s.Bound.Microseconds())/1000, 3), paperDelay(a, size))
	}
	return t
}

// stageStats are the mean and p99 of every stage and of the delay over
// a trial's counted files, in milliseconds.
func stageStats(rows []delay.Row) (mean, p99 [8]float64, n int) {
	var vals [8][]float64
	for _, r := range rows {
		if r.Lost != "" {
			continue
		}
		n++
		for i, v := range r.Stages {
			vals[i] = append(vals[i], v)
			mean[i] += v
		}
		vals[7] = append(vals[7], r.DelayMS)
		mean[7] += r.DelayMS
	}
	for i := range mean {
		if n > 0 {
			mean[i] /= float64(n)
		}
		p99[i] = delay.Quantiles(vals[i], 99)[0]
	}
	return mean, p99, n
}

func breakdownTable(w *wordCount) *Table {
	head := []string{"trial", "statistic"}
	for _, s := range delay.StageNames {
		head = append(head, ">"+s)
	}
	t := NewTable(append(head, ">delay")...)
	for _, id := range w.trials {
		mean, p99, n := stageStats(w.rows[id])
		if n == 0 {
			continue
		}
		for _, st := range []struct {
			name string
			v    [8]float64
		}{{"mean ms", mean}, {"p99 ms", p99}} {
			row := []string{id, st.name}
			for _, v := range st.v {
				row = append(row, Num(v, 1))
			}
			t.Add(row...)
		}
	}
	return t
}

func batchTable(w *wordCount) *Table {
	t := NewTable("trial", ">interval s", ">batches", ">with files", ">execution p50 s", ">execution p99 s", ">total delay p50 s", ">total delay max s", ">slower than the interval")
	for _, id := range w.trials {
		bs := w.batches[id]
		var exec, total []float64
		files, slow := 0, 0
		for _, b := range bs {
			if b.Files > 0 {
				files++
			}
			if b.HaveDelay {
				exec = append(exec, b.ExecMS)
				total = append(total, b.TotalMS)
				if b.ExecMS >= 1000*w.interval(id) {
					slow++
				}
			}
		}
		if len(bs) == 0 {
			continue
		}
		e := delay.Quantiles(exec, 50, 99)
		tot := delay.Quantiles(total, 50, 100)
		t.Add(id, Num(w.interval(id), 1), fmt.Sprint(len(bs)), fmt.Sprint(files), Num(e[0]/1000, 2), Num(e[1]/1000, 2),
			Num(tot[0]/1000, 2), Num(tot[1]/1000, 2), fmt.Sprint(slow))
	}
	return t
}

func placementTable(w *wordCount) *Table {
	t := NewTable("trial", "part", "host(s)")
	parts := []struct{ key, name string }{{"namenode", "HDFS NameNode"}, {"datanodes", "HDFS DataNodes"},
		{"spark-master", "Spark master"}, {"spark-workers", "Spark workers"}, {"driver", "the job's driver"}, {"collectors", "submitters (collectors)"}}
	for _, id := range w.trials {
		p := w.placement[id]
		if p == nil {
			continue
		}
		for _, part := range parts {
			v := p[part.key]
			var s string
			switch x := v.(type) {
			case string:
				s = x
			case []any:
				var hs []string
				for _, h := range x {
					hs = append(hs, fmt.Sprint(h))
				}
				s = strings.Join(hs, ", ")
			}
			t.Add(id, part.name, s)
		}
		if as, ok := p["as"].(string); ok {
			t.Add(id, "run as", as)
		}
		if q, ok := p["spark_cpu_quota"].(float64); ok && q > 0 {
			how := "cgroup, all Spark processes of a host"
			if strings.HasPrefix(fmt.Sprint(p["as"]), "swarm") {
				how = "CPU limit of each Spark service"
			}
			t.Add(id, "Spark CPU quota ("+how+")", fmt.Sprintf("%g core(s)", q))
		}
	}
	if len(t.Rows) == 0 {
		return nil
	}
	return t
}

// firstDue is the earliest due time of a trial's files (ms), the zero of
// its time axis.
func firstDue(rows []delay.Row) float64 {
	t0 := math.Inf(1)
	for _, r := range rows {
		t0 = math.Min(t0, r.IntendedMS)
	}
	return t0
}

func trialPanels(w *wordCount) []string {
	var ids []string
	for _, id := range w.trials {
		if len(w.rows[id]) > 0 {
			ids = append(ids, id)
		}
	}
	return ids
}

// delayFigure: every file's delay against when it was due, one panel per
// trial; a delay that grows along the axis is a queue building up.
func delayFigure(w *wordCount) *Figure {
	ids := trialPanels(w)
	if len(ids) == 0 {
		return nil
	}
	f := &Figure{Name: "wordcount-delay", Title: "Delay of every file over the trial", Rows: 1, Cols: len(ids),
		Caption: "Delay (s) of each file against its due time since the trial's first file; a rising cloud means batches queue."}
	for _, id := range ids {
		p := newPanel(id, len(ids))
		p.X.Label.Text, p.Y.Label.Text = "due time (s since the first file)", "delay (s)"
		t0 := firstDue(w.rows[id])
		var pts plotter.XYs
		for _, r := range w.rows[id] {
			if r.Lost == "" {
				pts = append(pts, plotter.XY{X: (r.IntendedMS - t0) / 1000, Y: r.DelayMS / 1000})
			}
		}
		if len(pts) > 0 {
			s, _ := plotter.NewScatter(pts)
			s.GlyphStyle.Color = plotutil.Color(0)
			s.GlyphStyle.Radius = vg.Points(1.8)
			p.Add(s)
		}
		p.Y.Min = 0
		f.Panels = append(f.Panels, p)
	}
	return f
}

// batchFigure: each batch's execution time and total delay against the
// batch interval.
func batchFigure(w *wordCount) *Figure {
	var ids []string
	for _, id := range w.trials {
		if len(w.batches[id]) > 0 {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	f := &Figure{Name: "wordcount-batches", Title: "Batch processing time against the batch interval", Rows: 1, Cols: len(ids),
		Caption: "Per batch: execution time and total delay (the driver's figures) against the interval (dashed); " +
			"batches slower than the interval make the next ones wait.",
		Legend: []LegendEntry{{"execution", lineStyle(0)}, {"total delay", lineStyle(1)}, {"interval", baseLine(1, 1)}}}
	for _, id := range ids {
		p := newPanel(id, len(ids))
		p.X.Label.Text, p.Y.Label.Text = "batch time (s since the first batch)", "seconds"
		bs := w.batches[id]
		t0 := bs[0].BatchMS
		var ex, tot plotter.XYs
		for _, b := range bs {
			if b.HaveDelay {
				ex = append(ex, plotter.XY{X: (b.BatchMS - t0) / 1000, Y: b.ExecMS / 1000})
				tot = append(tot, plotter.XY{X: (b.BatchMS - t0) / 1000, Y: b.TotalMS / 1000})
			}
		}
		xmax := 1.0
		for i, xy := range []plotter.XYs{ex, tot} {
			if len(xy) == 0 {
				continue
			}
			xmax = math.Max(xmax, xy[len(xy)-1].X)
			l := lineStyle(i)
			l.XYs = xy
			p.Add(l)
		}
		p.Add(baseLine(w.interval(id), xmax))
		p.Y.Min = 0
		f.Panels = append(f.Panels, p)
	}
	return f
}

// breakdownFigure: the mean of every stage per trial, stacked to the
// mean delay.
func breakdownFigure(a *Aggregate, w *wordCount) *Figure {
	ids := trialPanels(w)
	if len(ids) == 0 {
		return nil
	}
	p := newPanel("mean per file", 1)
	p.Y.Label.Text = "delay (s)"
	var names []string
	var below *plotter.BarChart
	f := &Figure{Name: "wordcount-breakdown", Title: "Where the delay goes", Rows: 1, Cols: 1,
		Caption: "Mean time per stage over each trial's counted files, stacked: the bar's height is the mean delay."}
	means := make([][8]float64, len(ids))
	for i, id := range ids {
		means[i], _, _ = stageStats(w.rows[id])
		names = append(names, id+" "+fileSize(a, w, id))
	}
	for s, name := range delay.StageNames {
		vals := make(plotter.Values, len(ids))
		for i := range ids {
			vals[i] = math.Max(means[i][s], 0) / 1000
		}
		b, err := plotter.NewBarChart(vals, vg.Points(40))
		if err != nil {
			return nil
		}
		b.Color = plotutil.Color(s)
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		below = b
		p.Add(b)
		f.Legend = append(f.Legend, LegendEntry{name, swatch{plotutil.Color(s)}})
	}
	p.NominalX(names...)
	p.X.Tick.Marker = plot.ConstantTicks(nominalTicks(names))
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	f.Panels = []*plot.Plot{p}
	return f
}

func nominalTicks(names []string) []plot.Tick {
	var ts []plot.Tick
	for i, n := range names {
		ts = append(ts, plot.Tick{Value: float64(i), Label: n})
	}
	return ts
}

// swatch is a legend entry's filled square.
type swatch struct{ c color.Color }

func (s swatch) Thumbnail(c *draw.Canvas) {
	c.FillPolygon(s.c, rectPoints(c.Rectangle))
}

// processFigure: CPU and memory of the word count's processes (the
// probe's daemon series), Figures 6–9 on a testbed of processes.
func processFigure(a *Aggregate) *Figure {
	var ids []string
	has := map[string]bool{}
	for _, t := range a.Trials {
		for _, s := range t.Series {
			if s.Key.Kind == string(sample.KindDaemon) && s.Key.Metric == sample.CPUPct && s.Stat.N > 0 {
				if !has[t.ID] {
					has[t.ID] = true
					ids = append(ids, t.ID)
				}
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	style := map[string]int{}
	f := &Figure{Name: "wordcount-processes", Title: "CPU and memory by process, measure phase", Rows: 2, Cols: len(ids),
		Caption: "Mean CPU (% of one core) and resident memory (MiB) of each process of the word count the probe watched, per trial."}
	var cpu, mem []*plot.Plot
	for _, id := range ids {
		t := trialByID(a, id)
		pc, pm := newPanel(id+" CPU", len(ids)), newPanel(id+" memory", len(ids))
		pc.Y.Label.Text, pm.Y.Label.Text = "CPU (% of one core)", "RSS (MiB)"
		var labels []string
		var cv, mv plotter.Values
		keys := make([]*Series, 0)
		for _, s := range t.Series {
			if s.Key.Kind == string(sample.KindDaemon) && s.Key.Metric == sample.CPUPct && s.Stat.N > 0 {
				keys = append(keys, s)
			}
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i].Key.Host+keys[i].Name < keys[j].Key.Host+keys[j].Name })
		for _, s := range keys {
			name := s.Key.Host + "/" + s.Name
			if _, ok := style[name]; !ok {
				style[name] = len(style)
			}
			labels = append(labels, s.Name)
			cv = append(cv, s.Stat.Mean)
			m := t.Find(s.Key.Host, sample.KindDaemon, s.Key.Label, sample.RSSBytes)
			mv = append(mv, nan(m).Mean/mib)
		}
		for _, x := range []struct {
			p *plot.Plot
			v plotter.Values
		}{{pc, cv}, {pm, mv}} {
			for i := range x.v {
				if math.IsNaN(x.v[i]) {
					x.v[i] = 0
				}
			}
			b, err := plotter.NewBarChart(x.v, vg.Points(14))
			if err != nil {
				return nil
			}
			b.Color = plotutil.Color(0)
			b.LineStyle.Width = 0
			x.p.Add(b)
			x.p.NominalX(labels...)
			x.p.X.Tick.Marker = plot.ConstantTicks(nominalTicks(labels))
			x.p.X.Min, x.p.X.Max = -0.6, float64(len(labels))-0.4
			x.p.X.Tick.Label.Rotation = math.Pi / 4
			x.p.X.Tick.Label.XAlign, x.p.X.Tick.Label.YAlign = draw.XRight, draw.YTop
		}
		cpu, mem = append(cpu, pc), append(mem, pm)
	}
	f.Panels = append(cpu, mem...)
	return f
}

// WordCountResults is the word count's part of RESULTS.md: the reproduced
// Table 4 and a paragraph, written from the numbers, on what the
// breakdown says about the paper's delays.
func WordCountResults(a *Aggregate) []Block {
	w := loadWordCount(a)
	if w == nil {
		return nil
	}
	if w.err != nil {
		return []Block{{Heading: "Word-count delay (Table 4)"}, {Text: "Not readable: " + w.err.Error() + "."}}
	}
	return []Block{{Heading: "Word-count delay (Table 4), reproduced"}, {Table: table4(a, w)}, {Text: explain(a, w)}}
}

// slope is the least-squares slope of y on x.
func slope(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx, sy, sxx, sxy = sx+x[i], sy+y[i], sxx+x[i]*x[i], sxy+x[i]*y[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// explain writes what the breakdown says, trial by trial, and what batch
// time the paper's delays imply.
func explain(a *Aggregate, w *wordCount) string {
	var b strings.Builder
	var passes []float64 // per trial: the mean delay without lateness and queueing
	for _, id := range trialPanels(w) {
		rows := w.rows[id]
		mean, _, n := stageStats(rows)
		if n == 0 {
			fmt.Fprintf(&b, "Trial %s (%s) counted no file. ", id, fileSize(a, w, id))
			continue
		}
		s := delay.SummarizeRows(rows)
		iv := w.interval(id)
		t0 := firstDue(rows)
		var x, y []float64
		for _, r := range rows {
			if r.Lost == "" {
				x, y = append(x, (r.IntendedMS-t0)/1000), append(y, r.DelayMS/1000)
			}
		}
		grow := slope(x, y)
		span := x[len(x)-1] - x[0]
		type part struct {
			name string
			v    float64
		}
		var parts []part
		for i, name := range delay.StageNames {
			parts = append(parts, part{name, mean[i]})
		}
		sort.SliceStable(parts, func(i, j int) bool { return parts[i].v > parts[j].v })
		var exec []float64
		slow := 0
		for _, bt := range w.batches[id] {
			if bt.HaveDelay {
				exec = append(exec, bt.ExecMS)
				if bt.ExecMS >= 1000*iv {
					slow++
				}
			}
		}
		e50 := delay.Quantiles(exec, 50)[0] / 1000
		passes = append(passes, (mean[7]-mean[4]-mean[0])/1000)
		fmt.Fprintf(&b, "At %s (trial %s) the median delay was %.2f s (p99 %.2f s, %d of %d files counted; the paper: %s). "+
			"Of the mean %.2f s, %s took %.0f %%, %s %.0f %% and %s %.0f %%. Batches executed in %.2f s (median) against the %.1f s interval; "+
			"%d of %d took longer. ",
			fileSize(a, w, id), id, s.P50.Seconds(), s.P99.Seconds(), s.Files-s.Lost, s.Files, paperDelay(a, fileSize(a, w, id)),
			mean[7]/1000, parts[0].name, 100*parts[0].v/mean[7], parts[1].name, 100*parts[1].v/mean[7], parts[2].name, 100*parts[2].v/mean[7],
			e50, iv, slow, len(exec))
		if grow > 0.05 || grow*span > iv {
			fmt.Fprintf(&b, "The delay grew by %.2f s per second of submission (%.0f s over %.0f s): batches slower than the interval queued. ", grow, grow*span, span)
		} else {
			fmt.Fprintf(&b, "The delay did not grow (%.3f s per second of submission): the job kept up, and the delay is one pass through the pipeline. ", grow)
		}
	}
	// What the paper's figures imply: measured from 120 s to 420 s of a
	// job whose delay grows linearly from zero, the mean delay D is that of
	// a file due at about 270 s, so each batch took I·(1 + D/270 s).
	var implied []string
	for _, k := range sortedKeys(a.Reference) {
		if !strings.HasPrefix(k, "delay_") {
			continue
		}
		var d float64
		if _, err := fmt.Sscanf(a.Reference[k], "%g", &d); err != nil {
			continue
		}
		size := strings.TrimSuffix(strings.TrimPrefix(k, "delay_"), "_s")
		implied = append(implied, fmt.Sprintf("%g s at %s needs batches of about %.2f s against a 1 s interval", d, size, 1+d/270))
	}
	if len(implied) > 0 && len(passes) > 0 {
		took := fmt.Sprintf("%.2f", slices.Min(passes))
		if hi := fmt.Sprintf("%.2f", slices.Max(passes)); hi != took {
			took += "–" + hi
		}
		fmt.Fprintf(&b, "Without the queue, a file's pass through HDFS and Spark took %s s here (the mean of the other stages), "+
			"so the paper's delays are not a slow path but a queue: "+
			"batches that take longer than the interval make every later file wait for all earlier batches, and the delay rises "+
			"with the time the job has run. Measured from 120 s to 420 s, as the paper did, %s (a Raspberry Pi 2 being that much "+
			"slower per batch). experiments/wordcount-cpu.yaml makes the same happen here by running Spark under a CPU quota.", took, strings.Join(implied, ", and "))
	}
	return b.String()
}
