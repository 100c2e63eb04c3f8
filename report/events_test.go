package report

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/results"
)

// A clock that drifted beyond its bound is listed with the notable events
// and explained, since it bounds how well the samples' times can be trusted.
func TestEventsSectionClockDrift(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []results.Event
		want   []string
		absent []string
	}{
		{"quiet", []results.Event{{Type: results.EventClock, Host: "w1"}},
			[]string{"No errors, node losses, interrupts, sample gaps or clock drift."}, []string{"Warning"}},
		{"drift", []results.Event{{Type: results.EventClockDrift, Host: "w1", Trial: "t2", Message: "clock moved 4ms"}},
			[]string{"clock-drift", "clock moved 4ms", "Warning: a host's clock drifted beyond the offset's error bound 1 time(s)"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &Aggregate{Events: EventSummary{Counts: map[string]int{}}}
			for _, e := range tc.events {
				a.Events.Counts[e.Type]++
				if notable[e.Type] {
					a.Events.Notable = append(a.Events.Notable, e)
				}
			}
			var b strings.Builder
			for _, bl := range EventsSection(a) {
				b.WriteString(bl.Text)
				if bl.Table != nil {
					for _, r := range bl.Table.Rows {
						b.WriteString(strings.Join(r, " ") + "\n")
					}
				}
			}
			for _, w := range tc.want {
				require.Contains(t, b.String(), w)
			}
			for _, w := range tc.absent {
				require.NotContains(t, b.String(), w)
			}
		})
	}
}
