package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/edgerig/edgerig/results"
)

// notable are the event types a reader must see one by one.
var notable = map[string]bool{
	results.EventError: true, results.EventNodeLost: true, results.EventNodeBack: true,
	results.EventInterrupt: true, results.EventGap: true, results.EventClockDrift: true,
}

// timeline lays every trial's phases and the notable events on the run's
// time axis. A phase the runner never ended lasts until the last thing
// seen (an event or a sample) and is marked open.
func (a *Aggregate) timeline(events []results.Event) {
	tl := &a.Timeline
	at := func(t time.Time) float64 { return t.Sub(tl.Start).Seconds() }
	for _, e := range events {
		tl.End = max(tl.End, at(e.Time))
	}
	for _, s := range tl.Series {
		if n := s.Bins.Len(); n > 0 {
			tl.End = max(tl.End, float64(n)*s.Bins.Width)
		}
	}
	open := map[string]int{} // trial/phase → index in Phases
	for _, e := range events {
		key := e.Trial + "/" + e.Phase
		switch e.Type {
		case results.EventPhaseStart:
			open[key] = len(tl.Phases)
			tl.Phases = append(tl.Phases, PhaseSpan{Trial: e.Trial, Phase: e.Phase, From: at(e.Time), To: tl.End, Open: true})
		case results.EventPhaseEnd:
			if i, ok := open[key]; ok {
				tl.Phases[i].To, tl.Phases[i].Open = at(e.Time), false
				delete(open, key)
			}
		}
		if notable[e.Type] {
			tl.Marks = append(tl.Marks, Mark{At: at(e.Time), Type: e.Type, Host: e.Host, Trial: e.Trial, Message: e.Message})
		}
	}
}

// stopOf says where an unfinished run stopped; nil for a completed one.
// The trial and phase are the last ones started and not ended; the time
// is the last thing recorded; the reason comes from the manifest's error,
// an interrupt or the last error event, else from the missing run-end.
func stopOf(a *Aggregate, events []results.Event) *Stop {
	if a.Completed() {
		return nil
	}
	s := &Stop{At: a.Timeline.Start.Add(time.Duration(a.Timeline.End * float64(time.Second)))}
	for _, p := range a.Timeline.Phases {
		if p.Open {
			s.Trial, s.Phase = p.Trial, p.Phase
		}
	}
	if s.Trial == "" {
		for _, t := range a.Trials {
			if !t.Complete && (t.Start.IsZero() == false || len(t.Series) > 0) {
				s.Trial = t.ID
				break
			}
		}
	}
	var why []string
	if a.Error != "" {
		why = append(why, a.Error)
	}
	var lastErr, interrupt string
	for _, e := range events {
		switch e.Type {
		case results.EventInterrupt:
			interrupt = "interrupted: " + firstNonEmpty(e.Message, "signal")
		case results.EventError:
			lastErr = eventText(e)
		}
	}
	if interrupt != "" {
		why = append(why, interrupt)
	}
	if lastErr != "" && !strings.Contains(strings.Join(why, " "), lastErr) {
		why = append(why, "last error: "+lastErr)
	}
	if a.Aborted() {
		why = append(why, "the runner stopped without recording the run's end (killed, crashed or lost power)")
	}
	if len(why) == 0 {
		why = append(why, "no reason recorded")
	}
	s.Why = strings.Join(why, "; ")
	return s
}

func eventText(e results.Event) string {
	var where []string
	if e.Host != "" {
		where = append(where, e.Host)
	}
	if e.Phase != "" {
		where = append(where, e.Phase)
	}
	if len(where) == 0 {
		return e.Message
	}
	return fmt.Sprintf("%s (%s)", e.Message, strings.Join(where, ", "))
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
