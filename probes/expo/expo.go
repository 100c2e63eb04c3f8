// Package expo renders a probe record in the Prometheus text exposition
// format (version 0.0.4), for people who already scrape their hosts with
// Prometheus and look at Grafana. Names follow node_exporter and cAdvisor
// where a metric with the same meaning exists there, so existing dashboards
// work; the rest are edgerig_<kind>_<metric>.
package expo

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/edgerig/edgerig/sample"
)

// family is one metric name with its type, help and label key.
type family struct {
	name, typ, help, label string
}

// known maps a kind and metric to a family name borrowed from node_exporter
// or cAdvisor with the same meaning and unit.
var known = map[sample.Kind]map[string]family{
	sample.KindHost: {
		sample.MemTotalBytes: {"node_memory_MemTotal_bytes", "gauge", "Memory information field MemTotal_bytes.", ""},
		sample.MemAvailBytes: {"node_memory_MemAvailable_bytes", "gauge", "Memory information field MemAvailable_bytes.", ""},
	},
	sample.KindContainer: {
		sample.MemUsageBytes: {"container_memory_usage_bytes", "gauge", "Current memory usage in bytes, including all memory regardless of when it was accessed.", "id"},
		sample.MemWorkingSet: {"container_memory_working_set_bytes", "gauge", "Current working set in bytes (usage minus inactive file).", "id"},
	},
	sample.KindProbe: {
		sample.RSSBytes: {"process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", ""},
	},
}

var labelKey = map[sample.Kind]string{
	sample.KindCPU:       "cpu",
	sample.KindContainer: "id",
	sample.KindDaemon:    "name",
}

// familyOf names the family of one metric of one kind.
func familyOf(k sample.Kind, metric string) family {
	if f, ok := known[k][metric]; ok {
		return f
	}
	name := "edgerig_" + string(k) + "_" + metric
	typ := "gauge"
	if strings.HasSuffix(metric, "_bytes") && (metric == sample.NetRxBytes || metric == sample.NetTxBytes) {
		name += "_total"
		typ = "counter"
	}
	return family{name: name, typ: typ, help: fmt.Sprintf("edgerig-probe %s %s.", k, metric), label: labelKey[k]}
}

type point struct {
	label string
	value float64
}

// Write renders rec grouped by family (the format wants each family's
// samples together), families and labels sorted so the output is stable.
func Write(w io.Writer, rec sample.Record) error {
	fams := map[string]family{}
	points := map[string][]point{}
	for _, s := range rec.Series {
		for m, v := range s.Values {
			f := familyOf(s.Kind, m)
			fams[f.name] = f
			points[f.name] = append(points[f.name], point{s.Label, v})
		}
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		f := fams[n]
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", n, f.help, n, f.typ)
		ps := points[n]
		sort.Slice(ps, func(i, j int) bool { return ps[i].label < ps[j].label })
		for _, p := range ps {
			b.WriteString(n)
			if f.label != "" && p.label != "" {
				b.WriteString("{" + f.label + "=" + strconv.Quote(p.label) + "}")
			}
			b.WriteByte(' ')
			b.WriteString(strconv.FormatFloat(p.value, 'g', -1, 64))
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "# HELP edgerig_probe_seq Sequence number of the last record.\n# TYPE edgerig_probe_seq counter\nedgerig_probe_seq %d\n", rec.Seq)
	_, err := io.WriteString(w, b.String())
	return err
}
