package report

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

func TestStatusText(t *testing.T) {
	tests := []struct {
		s    Summary
		want string
	}{
		{Summary{Status: results.StatusCompleted}, "**Status: completed.**"},
		{Summary{Status: results.StatusFailed, Error: "setup on master: exit status 1"}, "**Status: failed** — setup on master: exit status 1"},
		{Summary{Status: results.StatusAborted, Rows: 12, Trials: []TrialSummary{
			{ID: "t1", Complete: true, Seconds: 60, Stats: []Stat{{}}},
			{ID: "t2", Seconds: 7, Stats: []Stat{{}}},
			{ID: "t3"},
		}}, "12 sample rows; trials: `t1` complete (60 s measured), `t2` cut short (7 s measured), `t3` no samples."},
	}
	for _, tt := range tests {
		t.Run(tt.s.Status, func(t *testing.T) {
			require.Contains(t, statusText(&tt.s), tt.want)
		})
	}
}

func TestTable(t *testing.T) {
	tb := newTable("name", ">value")
	tb.add("a|b", "1.5")
	tb.add(cell("a|b"), "10")
	require.Equal(t, "| name | value |\n| ---- | ----: |\n| a|b  |   1.5 |\n| a\\|b |    10 |\n", tb.String())
}
