package probes

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/edgerig/edgerig/sample"
)

// DefaultDaemons are the system daemons the PyMon paper's comparison of
// Kubernetes and Docker Swarm is about.
var DefaultDaemons = []string{
	"kube-apiserver", "etcd", "kube-controller-manager", "kube-scheduler",
	"kubelet", "kube-proxy", "coredns", "containerd", "dockerd", "k3s",
}

// Options choose what a Sampler reads.
type Options struct {
	// Root is where /proc and /sys are found: "/" on a host, a captured
	// tree in tests.
	Root string
	// Containers turns per-container series on.
	Containers bool
	// Daemons names the processes (by comm) reported as daemon series.
	Daemons []string
}

// Sampler takes one Record per tick. It is not safe for concurrent use.
type Sampler struct {
	host   *host
	cs     *containers // nil when containers are off
	ds     *daemons
	self   *group
	seq    uint64
	series []sample.Series
	// accounting is AccountingHost or AccountingNodeCgroup.
	accounting string
}

// Accounting says what the host series measure: the whole machine
// (AccountingHost) or, in a container, its node's cgroup
// (AccountingNodeCgroup).
func (s *Sampler) Accounting() string { return s.accounting }

// New opens the files a Sampler reads on every tick. With containers on,
// a host without any cgroup hierarchy it can read is an error, so that a
// run never silently lacks its container series.
func New(opts Options) (*Sampler, error) {
	if opts.Root == "" {
		opts.Root = "/"
	}
	h, err := newHost(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	s := &Sampler{host: h, ds: newDaemons(opts.Root, opts.Daemons), self: newGroup("edgerig-probe"), accounting: AccountingHost}
	lay, err := discoverLayout(opts.Root)
	if err != nil && opts.Containers {
		h.close()
		return nil, fmt.Errorf("probe: %w", err)
	}
	if err == nil && lay.inContainer {
		if h.node, err = openNode(lay); err != nil {
			h.close()
			return nil, fmt.Errorf("probe: running in a container, but its node's cgroup is unreadable (mount the host's /sys/fs/cgroup, e.g. --cgroupns=host): %w", err)
		}
		s.accounting = AccountingNodeCgroup
	}
	if opts.Containers {
		s.cs = newContainers(lay, opts.Root)
	}
	// The probe's own series reads Root's proc/self/stat: on a host that is
	// this process; in a test tree, a file the test moves between ticks so
	// that the series' values are known.
	s.self.add(0, filepath.Join(opts.Root, "proc", "self", "stat"))
	return s, nil
}

// SetSeq makes the next record's sequence number seq+1, so that a probe
// restarted on the same spool continues its numbering.
func (s *Sampler) SetSeq(seq uint64) { s.seq = seq }

// Sample reads everything once at now. It returns false on the first call,
// which only primes the counters CPU percentages are computed from. The
// returned record and its maps are reused by the next call: encode it
// before sampling again.
func (s *Sampler) Sample(now time.Time) (sample.Record, bool, error) {
	start := time.Now()
	out := s.series[:0]
	out, ready, err := s.host.sample(now, out)
	if err != nil {
		return sample.Record{}, false, fmt.Errorf("probe: %w", err)
	}
	if s.cs != nil {
		out = s.cs.sample(now, out)
	}
	out = s.host.hw.sample(out)
	out = s.ds.sample(now, out)
	selfOK := s.self.read(now)
	s.series = out
	if !ready {
		return sample.Record{}, false, nil
	}
	if selfOK {
		s.self.values[sample.SampleCostMicro] = float64(time.Since(start).Microseconds())
		out = append(out, sample.Series{Kind: sample.KindProbe, Values: s.self.values})
		s.series = out
	}
	s.seq++
	return sample.Record{V: sample.Version, Seq: s.seq, TimeMS: now.UnixMilli(), Series: out}, true, nil
}

// Close releases every open file.
func (s *Sampler) Close() error {
	s.host.close()
	if s.cs != nil {
		s.cs.close()
	}
	s.ds.close()
	s.self.close()
	return nil
}
