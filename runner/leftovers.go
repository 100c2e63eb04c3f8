package runner

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/transport"
)

// Leftovers says what a run of cfg may leave on its hosts when its
// teardown is abandoned (a second Ctrl-C), host by host, with the command
// that removes it, so that a user can clean up by hand. runDir is the run
// directory (its name is the remote run's name); it may be empty when the
// run had not created it yet.
func Leftovers(cfg Config, runDir string) []string {
	remote := cfg.RemoteDir
	if remote == "" {
		remote = DefaultRemoteDir
	}
	r := &run{cfg: cfg, trials: cfg.Spec.Trials()}
	var out []string
	for _, h := range cfg.Hosts {
		var what []string
		probed := len(cfg.Spec.Probe.Roles) == 0
		for _, role := range cfg.Spec.Probe.Roles {
			probed = probed || inventory.HasRole(h, role)
		}
		if probed && runDir != "" {
			pid := path.Join(remote, "runs", filepath.Base(runDir), "probe.pid")
			what = append(what, fmt.Sprintf("a probe daemon (%s/edgerig-probe-* stop --pidfile %s)", remote, pid))
		}
		swarm, kube := false, false
		for _, tr := range r.trials {
			o := tr.Spec.Orchestrator
			member := inventory.HasRole(h, o.MasterRole) || inventory.HasRole(h, o.WorkerRole)
			swarm = swarm || o.Kind == "swarm" && member
			kube = kube || o.Kind == "kubernetes" && member
		}
		if kube {
			what = append(what, "a Kubernetes node (k3s-uninstall.sh or kubeadm reset -f; /var/lib/edgerig/kubernetes says how it was installed; the next run's set-up removes it)")
		}
		if swarm {
			what = append(what, "Swarm membership (docker swarm leave --force; docker volume rm edgerig-swarm-marker; the next run's set-up also leaves it)")
		}
		for i, st := range cfg.Spec.Steps {
			if st.Phase != "teardown" {
				continue
			}
			for _, role := range st.Roles {
				if inventory.HasRole(h, role) {
					name := st.Name
					if name == "" {
						name = fmt.Sprintf("steps[%d]", i)
					}
					what = append(what, fmt.Sprintf("what teardown step %s undoes (%s)", name, transport.Quote(st.Run)))
					break
				}
			}
		}
		if len(what) > 0 {
			out = append(out, fmt.Sprintf("%s: %s", h.Name, strings.Join(what, "; ")))
		}
	}
	return out
}
