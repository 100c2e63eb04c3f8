package report

import (
	"strings"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/sample"
)

// containerNames maps host → container ID → the name the runner learned
// from its container events.
func containerNames(events []results.Event) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, e := range events {
		if e.Type != results.EventContainer {
			continue
		}
		id, _ := e.Data["id"].(string)
		name, _ := e.Data["name"].(string)
		if id == "" || name == "" {
			continue
		}
		if out[e.Host] == nil {
			out[e.Host] = map[string]string{}
		}
		out[e.Host][id] = strings.TrimPrefix(name, "/")
	}
	return out
}

// displayName labels a series for humans: a container by the name the
// runner found for it (or a short ID), anything else by its label.
func displayName(names map[string]map[string]string, k seriesKey) string {
	if k.Kind != string(sample.KindContainer) {
		return k.Label
	}
	for id, n := range names[k.Host] {
		if id == k.Label || (len(k.Label) >= 12 && strings.HasPrefix(id, k.Label)) {
			return n
		}
	}
	if len(k.Label) > 12 {
		return k.Label[:12]
	}
	return k.Label
}
