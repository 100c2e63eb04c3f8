package runner

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestTimelineTagsByTime(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var tl timeline
	tl.enter(t0, "t1", "setup")
	tl.enter(t0.Add(2*time.Second), "t1", "measure")
	tl.enter(t0.Add(5*time.Second), "", phaseBetween)
	tl.enter(t0.Add(6*time.Second), "t2", "setup")

	cases := []struct {
		at           time.Duration
		trial, phase string
	}{
		{-time.Second, "", phaseBefore},
		{0, "t1", "setup"},
		{1999 * time.Millisecond, "t1", "setup"},
		{2 * time.Second, "t1", "measure"},
		{5500 * time.Millisecond, "", phaseBetween},
		{time.Hour, "t2", "setup"},
	}
	for _, c := range cases {
		trial, phase := tl.at(t0.Add(c.at))
		require.Equal(t, c.trial, trial, "at %v", c.at)
		require.Equal(t, c.phase, phase, "at %v", c.at)
	}
}
