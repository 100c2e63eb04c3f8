package report

import (
	"slices"
	"strings"
)

// maxCols is the widest a grid gets: beyond it panels wrap to new rows,
// so labels stay readable on a page-wide figure.
const maxCols = 4

// gridLayout places the combinations of a run's matrix: with two matrix
// axes of at most maxCols values each, one axis per row and one per
// column; otherwise in reading order, wrapped at maxCols. It returns the
// cell index (row-major) of each combination, the titles that name each
// combination by the parameters that vary, and the matrix's axes.
func gridLayout(combos [][]*Trial) (rows, cols int, cell []int, titles, axes []string) {
	n := len(combos)
	params := make([]map[string]string, n)
	for i, c := range combos {
		params[i] = c[0].Params
	}
	axes = varying(params)
	titles = make([]string, n)
	for i, p := range params {
		var parts []string
		for _, k := range axes {
			parts = append(parts, k+"="+p[k])
		}
		titles[i] = strings.Join(parts, ", ")
		if titles[i] == "" {
			titles[i] = combos[i][0].Title
		}
	}
	cell = make([]int, n)
	if len(axes) == 2 {
		rv, cv := values(params, axes[0]), values(params, axes[1])
		if len(rv) <= maxCols && len(cv) <= maxCols && len(rv)*len(cv) >= n {
			for i, p := range params {
				cell[i] = slices.Index(rv, p[axes[0]])*len(cv) + slices.Index(cv, p[axes[1]])
			}
			return len(rv), len(cv), cell, titles, axes
		}
	}
	cols = min(max(n, 1), maxCols)
	rows = max((n+cols-1)/cols, 1)
	for i := range cell {
		cell[i] = i
	}
	return rows, cols, cell, titles, axes
}

// valuesTitle names a combination by its axes' values alone
// ("swarm · 4KB"), for panels too narrow for "key=value" titles.
func valuesTitle(params map[string]string, axes []string) string {
	var parts []string
	for _, k := range axes {
		parts = append(parts, params[k])
	}
	return strings.Join(parts, " · ")
}

// varying lists, sorted, the parameters whose value differs between
// combinations: the matrix's axes.
func varying(params []map[string]string) []string {
	var out []string
	for _, p := range params {
		for k, v := range p {
			if slices.Contains(out, k) {
				continue
			}
			for _, q := range params {
				if q[k] != v {
					out = append(out, k)
					break
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// values lists a parameter's values in the order they first appear.
func values(params []map[string]string, key string) []string {
	var out []string
	for _, p := range params {
		if !slices.Contains(out, p[key]) {
			out = append(out, p[key])
		}
	}
	return out
}
