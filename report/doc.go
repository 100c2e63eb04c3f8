// Package report turns a run directory into figures, tables and
// documents. It reads only the run directory, never a host, so any run —
// even one whose runner was killed — can be rendered again later.
//
// Data flows one way, one file per stage:
//
//	load.go       read the run: manifest and events, then every samples row
//	              streamed once (results.ScanSamples), in bounded memory
//	aggregate.go  the Aggregate: per trial, host, series and metric a Stat
//	              (quantile.go) and values binned over time (bins.go); the
//	              whole-run Timeline; where an unfinished run stopped (stop.go)
//	figures.go    figures from the aggregate: a grid of panels, one per
//	              matrix point (grid.go, timefig.go), the timeline (timeline.go)
//	sections.go   tables from the aggregate, as a list of Sections of Blocks;
//	              orchestrators.go (numbers), orchsection.go, orchhosts.go and
//	              orchpaper.go (tables, figure, text): the section
//	              comparing Swarm with Kubernetes as the PyMon paper does
//	document.go   Blocks to Markdown; pdf.go Blocks to a typeset PDF;
//	              resultsmd.go a run's section of RESULTS.md; statscsv.go
//	render.go     the stages in order
//
// Figures and documents read the Aggregate, never raw rows. Statistics
// cover each trial's measure phase: means over ticks and nearest-rank
// percentiles (exact up to 1024 values a series, within ±0.5 % beyond).
//
// An experiment adds its own tables (idle overhead per orchestrator and
// role, word-count delays from delays.csv) by writing a Section — a
// func(*Aggregate) []Block — and passing it in Options.Sections: it then
// appears in report.md and report.pdf after the default sections and
// before the events.
package report
