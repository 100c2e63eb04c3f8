// Package report turns a run directory into figures and tables: host CPU and
// memory over time (one panel per trial, side by side, on one y scale, as
// the PyMon paper's Figures 4–5 put Swarm beside Kubernetes), per-container
// plots, the probe's own overhead, a Markdown report, a multi-page PDF, the
// numbers behind the tables as CSV, and a section of RESULTS.md.
//
// It reads only what package results reads back from the run directory and
// never a host, so any run — even one whose runner was killed — can be
// rendered again and compared later. Statistics cover the measure phase
// only: means over ticks, percentiles by nearest rank.
package report
