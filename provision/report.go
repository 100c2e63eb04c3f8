package provision

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/edgerig/edgerig/results"
)

// Unmet returns one line per requirement a check found missing or could
// not check, and per host it could not reach: "HOST: WHAT: missing
// (FOUND)". remedy ends each line (e.g. "run edgerig provision ...").
func Unmet(res []HostResult, remedy string) []string {
	var out []string
	for _, r := range res {
		if r.Err != nil {
			out = append(out, fmt.Sprintf("%s: not checked: %v", r.Host, r.Err))
			continue
		}
		for _, a := range r.Actions {
			switch a.State {
			case StateOK, StateChanged:
				continue
			}
			line := fmt.Sprintf("%s: %s: %s", r.Host, a.Requirement, a.State)
			if a.Found != "" {
				line += " (found: " + a.Found + ")"
			}
			if a.Err != nil {
				line += ": " + a.Err.Error()
			}
			if remedy != "" {
				line += "; " + remedy
			}
			out = append(out, line)
		}
	}
	return out
}

// Refusal is the error `edgerig run` refuses with when hosts lack what
// the experiment needs, one line per unmet requirement; nil when all hold.
func Refusal(res []HostResult, remedy string) error {
	lines := Unmet(res, remedy)
	if len(lines) == 0 {
		return nil
	}
	return &UnmetError{Lines: lines}
}

// UnmetError lists every unmet requirement of a check.
type UnmetError struct{ Lines []string }

func (e *UnmetError) Error() string {
	return fmt.Sprintf("%d requirement(s) not met on the hosts:\n  %s", len(e.Lines), strings.Join(e.Lines, "\n  "))
}

// Failed reports whether any action failed or any host was unreachable.
func Failed(res []HostResult) error {
	var errs []error
	for _, r := range res {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Host, r.Err))
		}
		for _, a := range r.Actions {
			if a.State == StateFailed {
				errs = append(errs, fmt.Errorf("%s: %s: %v", r.Host, a.Requirement, a.Err))
			}
		}
	}
	return errors.Join(errs...)
}

// Summary writes the table `edgerig provision` ends with: a row per host
// with how many requirements were ok, changed (or would change) and
// failed, and whether it rebooted.
func Summary(w io.Writer, res []HostResult) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOST\tOK\tCHANGED\tWOULD CHANGE\tFAILED\tREBOOTED")
	for _, r := range res {
		n := map[State]int{}
		for _, a := range r.Actions {
			n[a.State]++
		}
		failed := fmt.Sprint(n[StateFailed])
		if r.Err != nil {
			failed = "unreachable"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%v\n", r.Host, n[StateOK], n[StateChanged], n[StateWouldChange], failed, r.Rebooted)
	}
	tw.Flush()
}

// Record turns a check's results into the manifest's requirement states.
func Record(res []HostResult) []results.Requirement {
	var out []results.Requirement
	for _, r := range res {
		if r.Err != nil {
			out = append(out, results.Requirement{Host: r.Host, State: "unreachable", Error: r.Err.Error()})
			continue
		}
		for _, a := range r.Actions {
			rq := results.Requirement{Host: r.Host, Requirement: a.Requirement, State: string(a.State), Found: a.Found}
			if a.Err != nil {
				rq.Error = a.Err.Error()
			}
			out = append(out, rq)
		}
	}
	return out
}
