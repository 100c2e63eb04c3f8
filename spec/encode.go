package spec

import (
	"bytes"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Marshal renders the spec as YAML in the file schema with every default
// written out, so that a dry run or a results directory shows exactly what
// runs. Parse reads it back to an equal Spec. Quick lengths that were not
// written stay derived from their durations (and are left out).
func (s *Spec) Marshal() []byte {
	m := &mapping{}
	m.add("name", str(s.Name))
	if s.Description != "" {
		m.add("description", str(s.Description))
	}
	if len(s.Reference) > 0 {
		// yaml.v3 sorts map keys, which keeps the output stable.
		var ref yaml.Node
		_ = ref.Encode(s.Reference)
		m.add("reference", &ref)
	}
	if s.Testbed != "" {
		m.add("testbed", str(s.Testbed))
	}
	if tb := s.NewTestbed; tb != nil {
		tm := &mapping{}
		tm.add("kind", str(tb.Kind))
		tm.add("nodes", num(tb.Nodes))
		if len(tb.As) > 0 {
			tm.add("as", str(strings.Join(tb.As, ",")))
		}
		n := tm.node()
		n.Style = yaml.FlowStyle
		m.add("testbed", n)
	}
	if u := s.Until; u != nil {
		r := &mapping{}
		r.add("min", num(u.Min))
		r.add("max", num(u.Max))
		r.add("until_rsd", str(strconv.FormatFloat(u.RSD, 'g', -1, 64)+"%"))
		r.add("metric", str(u.Metric))
		m.add("repeat", r.node())
	} else {
		m.add("repeat", num(s.Repeat))
	}
	if len(s.Matrix) > 0 {
		mx := &mapping{}
		for ai, a := range s.Matrix {
			seq := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
			for vi := range a.Values {
				v := *s.axisValue(ai, vi)
				v.Line, v.Column, v.HeadComment, v.LineComment, v.FootComment = 0, 0, "", "", ""
				seq.Content = append(seq.Content, &v)
			}
			mx.add(a.Key, seq)
		}
		m.add("matrix", mx.node())
	}
	o := &mapping{}
	o.add("kind", str(s.Orchestrator.Kind))
	o.add("master_role", str(s.Orchestrator.MasterRole))
	o.add("worker_role", str(s.Orchestrator.WorkerRole))
	if s.usesKubernetes() {
		k := s.Orchestrator.Kubernetes
		km := &mapping{}
		km.add("install", str(k.Install))
		km.add("version", str(k.Version))
		if k.Source != "" {
			km.add("source", str(k.Source))
		}
		n := km.node()
		n.Style = yaml.FlowStyle
		o.add("kubernetes", n)
	}
	m.add("orchestrator", o.node())

	ph := &mapping{}
	ph.add("setup", flow("timeout", dur(s.Phases.Setup.Timeout)))
	ph.add("settle", timed(s.Phases.Settle))
	ph.add("measure", timed(s.Phases.Measure))
	ph.add("teardown", flow("timeout", dur(s.Phases.Teardown.Timeout)))
	m.add("phases", ph.node())

	p := &mapping{}
	p.add("interval", dur(s.Probe.Interval))
	p.add("containers", boolNode(s.Probe.Containers))
	p.add("daemons", strs(s.Probe.Daemons))
	p.add("roles", strs(s.Probe.Roles))
	m.add("probe", p.node())

	if len(s.Steps) > 0 {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, st := range s.Steps {
			sm := &mapping{}
			sm.add("name", str(st.Name))
			sm.add("phase", str(st.Phase))
			sm.add("roles", strs(st.Roles))
			sm.add("run", strs(st.Run))
			sm.add("timeout", dur(st.Timeout))
			sm.add("ignore_error", boolNode(st.IgnoreError))
			seq.Content = append(seq.Content, sm.node())
		}
		m.add("steps", seq)
	}
	if w := s.Workload; w != nil {
		wm := &mapping{}
		wm.add("kind", str(w.Kind))
		wm.add("file_size", str(w.FileSize.String()))
		wm.add("rate", str(w.Rate.String()))
		wm.add("files", num(w.Files))
		wm.add("collectors_role", str(w.CollectorsRole))
		wm.add("driver_role", str(w.DriverRole))
		wm.add("poll_interval", dur(w.PollInterval))
		wm.add("executor_memory", str(w.ExecutorMemory.String()))
		if w.SparkCPUQuota > 0 {
			wm.add("spark_cpu_quota", str(strconv.FormatFloat(w.SparkCPUQuota, 'g', -1, 64)))
		}
		m.add("workload", wm.node())
	}
	if pn := s.Provision.encode(); pn != nil {
		m.add("provision", pn)
	}
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(m.node()); err != nil {
		// Only nodes yaml.v3 cannot render fail, and we never build those.
		panic("spec: marshal: " + err.Error())
	}
	_ = enc.Close()
	return b.Bytes()
}

type mapping struct{ content []*yaml.Node }

func (m *mapping) add(key string, v *yaml.Node) {
	m.content = append(m.content, str(key), v)
}

func (m *mapping) node() *yaml.Node {
	return &yaml.Node{Kind: yaml.MappingNode, Content: m.content}
}

func flow(key string, v *yaml.Node) *yaml.Node {
	n := (&mapping{content: []*yaml.Node{str(key), v}}).node()
	n.Style = yaml.FlowStyle
	return n
}

func timed(p Phase) *yaml.Node {
	m := &mapping{}
	m.add("duration", dur(p.Duration))
	if p.quickSet {
		m.add("quick", dur(p.Quick))
	}
	n := m.node()
	n.Style = yaml.FlowStyle
	return n
}

// str is a string scalar; yaml.v3 quotes it when it would otherwise read
// back as another type ("true", "60").
func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func num(i int) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(i)}
}

func boolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

func dur(d interface{ Nanoseconds() int64 }) *yaml.Node {
	return str(Duration(d.Nanoseconds()).String())
}

func strs(list []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{}}
	for _, s := range list {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// usesKubernetes says whether the orchestrator.kubernetes section matters:
// a trial may run Kubernetes, or it was set to other than its defaults.
func (s *Spec) usesKubernetes() bool {
	if s.Orchestrator.Kind == KindKubernetes || s.Orchestrator.Kubernetes != defaults().Orchestrator.Kubernetes {
		return true
	}
	for _, a := range s.Matrix {
		if a.Key == "orchestrator.kind" && slices.Contains(a.Values, KindKubernetes) || strings.HasPrefix(a.Key, "orchestrator.kubernetes.") {
			return true
		}
	}
	return false
}
