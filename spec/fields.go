package spec

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// valueNode is a YAML value kept from the file (matrix values), decoded
// again by Trials with the same setter that validated it.
type valueNode = *yaml.Node

// setter decodes one scalar field from n into s, reporting problems to c
// (which may be nil when the value is known to be valid).
type setter func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool

// scalars are the fields a matrix may vary, by dotted path. The loader uses
// the same setters for the file's own values, so a matrix value is checked
// exactly like the value it replaces.
var scalars = map[string]setter{
	"testbed":                         name(func(s *Spec) *string { return &s.Testbed }),
	"orchestrator.kind":               enum(func(s *Spec) *string { return &s.Orchestrator.Kind }, KindNone, KindSwarm, KindKubernetes),
	"orchestrator.master_role":        role("orchestrator.master_role", func(s *Spec) *string { return &s.Orchestrator.MasterRole }),
	"orchestrator.worker_role":        role("orchestrator.worker_role", func(s *Spec) *string { return &s.Orchestrator.WorkerRole }),
	"orchestrator.kubernetes.install": enum(func(s *Spec) *string { return &s.Orchestrator.Kubernetes.Install }, InstallBinaries, InstallK3s, InstallKubeadm),
	"orchestrator.kubernetes.version": kubeVersion(func(s *Spec) *string { return &s.Orchestrator.Kubernetes.Version }),
	"orchestrator.kubernetes.source":  kubeSource(func(s *Spec) *string { return &s.Orchestrator.Kubernetes.Source }),
	"phases.setup.timeout":            duration(func(s *Spec) *time.Duration { return &s.Phases.Setup.Timeout }, 0, 0),
	"phases.settle.duration":          duration(func(s *Spec) *time.Duration { return &s.Phases.Settle.Duration }, 0, 0),
	"phases.settle.quick":             quick(func(s *Spec) *Phase { return &s.Phases.Settle }),
	"phases.measure.duration":         duration(func(s *Spec) *time.Duration { return &s.Phases.Measure.Duration }, 0, 0),
	"phases.measure.quick":            quick(func(s *Spec) *Phase { return &s.Phases.Measure }),
	"phases.teardown.timeout":         duration(func(s *Spec) *time.Duration { return &s.Phases.Teardown.Timeout }, 0, 0),
	"probe.interval":                  duration(func(s *Spec) *time.Duration { return &s.Probe.Interval }, 100*time.Millisecond, time.Hour),
	"probe.containers":                boolean(func(s *Spec) *bool { return &s.Probe.Containers }),
	"workload.kind":                   enum(func(s *Spec) *string { return &s.Workload.Kind }, WorkloadWordCount),
	"workload.file_size":              size(func(s *Spec) *Size { return &s.Workload.FileSize }),
	"workload.rate":                   rate(func(s *Spec) *Rate { return &s.Workload.Rate }),
	"workload.files":                  integer(func(s *Spec) *int { return &s.Workload.Files }, 1, 1000000),
	"workload.collectors_role":        role("workload.collectors_role", func(s *Spec) *string { return &s.Workload.CollectorsRole }),
	"workload.driver_role":            name(func(s *Spec) *string { return &s.Workload.DriverRole }),
	"workload.poll_interval":          duration(func(s *Spec) *time.Duration { return &s.Workload.PollInterval }, 0, 0),
	"workload.executor_memory":        size(func(s *Spec) *Size { return &s.Workload.ExecutorMemory }),
	"workload.spark_cpu_quota":        cores(func(s *Spec) *float64 { return &s.Workload.SparkCPUQuota }),
}

// MatrixKeys lists the dotted paths a matrix may vary.
func MatrixKeys() []string {
	keys := make([]string, 0, len(scalars))
	for k := range scalars {
		keys = append(keys, k)
	}
	return keys
}

func name(get func(*Spec) *string) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		if msg := yamlpos.CheckName(v); msg != "" {
			c.Errorf(n, path, "%s", msg)
			return false
		}
		*get(s) = v
		return true
	}
}

// role is a name setter that also records where the role was written.
func role(key string, get func(*Spec) *string) setter {
	set := name(get)
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		if !set(c, s, n, path) {
			return false
		}
		line, col := c.Pos(n)
		s.note(key, line, col, path)
		return true
	}
}

func enum(get func(*Spec) *string, allowed ...string) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		for _, a := range allowed {
			if v == a {
				*get(s) = v
				return true
			}
		}
		c.Errorf(n, path, "%q is not one of %s", v, strings.Join(allowed, ", "))
		return false
	}
}

func duration(get func(*Spec) *time.Duration, lo, hi time.Duration) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		d, err := ParseDuration(v)
		if err != nil {
			c.Errorf(n, path, "%v", err)
			return false
		}
		if (lo > 0 && d < lo) || (hi > 0 && d > hi) {
			c.Errorf(n, path, "%s is out of range (%s..%s)", Duration(d), Duration(lo), Duration(hi))
			return false
		}
		*get(s) = d
		return true
	}
}

func quick(get func(*Spec) *Phase) setter {
	set := duration(func(s *Spec) *time.Duration { return &get(s).Quick }, 0, 0)
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		if !set(c, s, n, path) {
			return false
		}
		get(s).quickSet = true
		return true
	}
}

func size(get func(*Spec) *Size) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		z, err := ParseSize(v)
		if err != nil {
			c.Errorf(n, path, "%v", err)
			return false
		}
		if z <= 0 {
			c.Errorf(n, path, "%q is not a positive size", v)
			return false
		}
		*get(s) = z
		return true
	}
}

func rate(get func(*Spec) *Rate) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		r, err := ParseRate(v)
		if err != nil {
			c.Errorf(n, path, "%v", err)
			return false
		}
		*get(s) = r
		return true
	}
}

func integer(get func(*Spec) *int, lo, hi int) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Int(n, path, lo, hi)
		if ok {
			*get(s) = v
		}
		return ok
	}
}

// cores is a CPU quota in cores: a positive number, at most 1024.
func cores(get func(*Spec) *float64) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f <= 1024) {
			c.Errorf(n, path, "%q is not a CPU quota in cores (a number above 0, like 0.2 for a fifth of one core)", v)
			return false
		}
		*get(s) = f
		return true
	}
}

func boolean(get func(*Spec) *bool) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Bool(n, path)
		if ok {
			*get(s) = v
		}
		return ok
	}
}

var specNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

func checkSpecName(v string) string {
	if !specNameRE.MatchString(v) || len(v) > 63 {
		return fmt.Sprintf("%q is not a valid experiment name (lowercase letters, digits and '-', at most 63)", v)
	}
	return ""
}
