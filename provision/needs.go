package provision

import (
	"sync"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/spec"
)

// What each part of a spec needs on the hosts it runs on. The probe needs
// nothing but Linux (it is a static binary placed by the runner).

// everyHost is what every experiment needs: a synchronised clock, since
// delays are measured across hosts.
func everyHost() []Requirement { return []Requirement{newClock()} }

// swarmNeeds is a Docker engine running and usable by the user.
func swarmNeeds() []Requirement {
	return []Requirement{
		pkg{name: "docker.io", cmd: "docker"},
		service{what: "docker engine running", procs: []string{"dockerd"}, units: []string{"docker"}, pkg: "docker.io"},
		dockerAccess{},
	}
}

// kubernetesNeeds is what kubeadm's preflight checks ask of a node.
func kubernetesNeeds(names *hostnames) []Requirement {
	return []Requirement{
		pkg{name: "containerd", cmd: "containerd"},
		service{what: "containerd running", procs: []string{"containerd"}, units: []string{"containerd"}, pkg: "containerd"},
		module{"overlay"},
		module{"br_netfilter"},
		sysctl{"net.ipv4.ip_forward", "1"},
		sysctl{"net.bridge.bridge-nf-call-iptables", "1"},
		swapOff{},
		uniqueHostname{names},
		memoryCgroup{},
	}
}

// wordcountNeeds is what the word count's processes run on: Java 17 for
// HDFS and Spark, Python 3 with venv for PySpark and the job.
func wordcountNeeds() []Requirement {
	return []Requirement{
		pkg{name: "openjdk-17-jre-headless"},
		pkg{name: "python3"},
		pkg{name: "python3-venv"},
	}
}

// specNeeds is what the spec adds itself.
func specNeeds(p spec.Provision) []Requirement {
	var rs []Requirement
	for _, name := range p.Packages {
		rs = append(rs, pkg{name: name})
	}
	for _, kv := range p.Sysctls {
		rs = append(rs, sysctl{kv.Key, kv.Value})
	}
	return rs
}

// Plan is what each host of a testbed needs for one spec.
type Plan struct {
	// Needs lists each host's requirements (by inventory name) in the
	// order they are applied.
	Needs map[string][]Requirement
	names *hostnames
}

// For returns what each host needs for s, over every trial of its matrix,
// in the order they are applied: packages before the services they bring,
// modules before the sysctls they add, boot flags last (they may reboot
// the host).
func For(s *spec.Spec, hosts []inventory.Host) Plan {
	names := &hostnames{byHost: map[string]string{}}
	out := map[string][]Requirement{}
	add := func(h inventory.Host, rs ...Requirement) {
		for _, r := range rs {
			dup := false
			for _, have := range out[h.Name] {
				dup = dup || have.Name() == r.Name()
			}
			if !dup {
				out[h.Name] = append(out[h.Name], r)
			}
		}
	}
	withRole := func(roles ...string) []inventory.Host {
		var hs []inventory.Host
		for _, h := range hosts {
			for _, r := range roles {
				if inventory.HasRole(h, r) {
					hs = append(hs, h)
					break
				}
			}
		}
		return hs
	}
	for _, h := range hosts {
		add(h, specNeeds(s.Provision)...)
	}
	for _, tr := range s.Trials() {
		o := tr.Spec.Orchestrator
		switch o.Kind {
		case spec.KindSwarm:
			for _, h := range withRole(o.MasterRole, o.WorkerRole) {
				add(h, swarmNeeds()...)
			}
		case spec.KindKubernetes:
			for _, h := range withRole(o.MasterRole, o.WorkerRole) {
				add(h, kubernetesNeeds(names)...)
			}
		}
		// As processes, HDFS and Spark run on the master and worker hosts
		// and the job on the driver's; as Swarm services they bring Java
		// and Python in their image, and the hosts need only the engine.
		// The collectors run in the runner.
		if w := tr.Spec.Workload; w != nil && w.Kind == spec.WorkloadWordCount && o.Kind != spec.KindSwarm {
			for _, h := range withRole(o.MasterRole, o.WorkerRole, w.DriverRole) {
				add(h, wordcountNeeds()...)
			}
		}
	}
	for _, h := range hosts {
		add(h, everyHost()...)
	}
	for name, rs := range out {
		out[name] = ordered(rs)
	}
	return Plan{Needs: out, names: names}
}

// ordered sorts requirements by the stage they are applied in, keeping
// the order within a stage.
func ordered(rs []Requirement) []Requirement {
	stage := func(r Requirement) int {
		switch r.(type) {
		case pkg:
			return 0
		case service, clock:
			return 1
		case module:
			return 2
		case sysctl:
			return 3
		case memoryCgroup:
			return 9
		}
		return 5
	}
	var out []Requirement
	for s := 0; s <= 9; s++ {
		for _, r := range rs {
			if stage(r) == s {
				out = append(out, r)
			}
		}
	}
	return out
}

// hostnames is the host name each host of a testbed reports, shared by
// the uniqueHostname requirements of one check.
type hostnames struct {
	mu     sync.Mutex
	byHost map[string]string
}

func (n *hostnames) set(host, hostname string) {
	if n == nil {
		return
	}
	n.mu.Lock()
	n.byHost[host] = hostname
	n.mu.Unlock()
}

// others is how many hosts other than host reported hostname when they
// were learned. The names are those seen before anything changed, so
// that whether a host is renamed does not depend on which of its twins
// got there first.
func (n *hostnames) others(host, hostname string) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := 0
	for k, v := range n.byHost {
		if k != host && v == hostname {
			c++
		}
	}
	return c
}

// NewPlan is a plan of chosen requirements by host name, for checking or
// applying one thing alone (the boot flags on the QEMU testbed).
func NewPlan(needs map[string][]Requirement) Plan {
	return Plan{Needs: needs, names: &hostnames{byHost: map[string]string{}}}
}

// MemoryCgroup is Kubernetes's requirement of an enabled memory cgroup,
// made true on a Raspberry Pi by the boot flags CgroupFlags and a reboot.
func MemoryCgroup() Requirement { return memoryCgroup{} }
