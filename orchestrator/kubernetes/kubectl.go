package kubernetes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
)

// nodeList is the part of `kubectl get nodes -o json` readiness needs.
type nodeList struct {
	Items []struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
		Status struct {
			Conditions []struct {
				Type    string `json:"type"`
				Status  string `json:"status"`
				Reason  string `json:"reason"`
				Message string `json:"message"`
			} `json:"conditions"`
		} `json:"status"`
	} `json:"items"`
}

// notReady returns, for each wanted node that is not Ready, why (missing,
// or its Ready condition's reason).
func notReady(data []byte, want []string) (map[string]string, error) {
	var l nodeList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("kubectl get nodes -o json: %w", err)
	}
	out := map[string]string{}
	for _, w := range want {
		out[w] = "not registered"
	}
	for _, it := range l.Items {
		if _, ok := out[it.Metadata.Name]; !ok {
			continue
		}
		out[it.Metadata.Name] = "no Ready condition"
		for _, c := range it.Status.Conditions {
			if c.Type != "Ready" {
				continue
			}
			if c.Status == "True" {
				delete(out, it.Metadata.Name)
			} else {
				out[it.Metadata.Name] = strings.TrimSpace(c.Reason + " " + c.Message)
			}
		}
	}
	return out, nil
}

// Ready waits until every node of the cluster reports Ready, or ctx ends.
func (d *Driver) Ready(ctx context.Context) error {
	if len(d.nodes) == 0 {
		return errors.New("kubernetes: Ready before Setup")
	}
	var want []string
	for _, n := range d.nodes {
		want = append(want, n.name)
	}
	args := append(slices.Clone(d.fl.kubectl()), "get", "nodes", "-o", "json")
	var last string
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("kubernetes: waiting for %d nodes to be Ready: %w (%s)", len(want), err, last)
		}
		out, err := d.run(ctx, d.master, args)
		if err == nil {
			var bad map[string]string
			bad, err = notReady([]byte(out), want)
			if err == nil && len(bad) == 0 {
				return nil
			}
			if err == nil {
				last = describe(bad, len(want))
			}
		}
		// A poll cut short by the deadline tells nothing: keep the last
		// status, which says which node is not Ready and why.
		if err != nil && (ctx.Err() == nil || last == "") {
			last = "last error: " + err.Error()
		}
		select {
		case <-ctx.Done():
		case <-time.After(d.cfg.Poll):
		}
	}
}

func describe(bad map[string]string, total int) string {
	var names []string
	for n := range bad {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, n+": "+bad[n])
	}
	return fmt.Sprintf("%d of %d Ready; not Ready: %s", total-len(bad), total, strings.Join(parts, "; "))
}

// podList is the part of `kubectl get pods -A -o json` List reports.
type podList struct {
	Items []struct {
		Metadata struct {
			Name            string `json:"name"`
			Namespace       string `json:"namespace"`
			OwnerReferences []struct {
				Name string `json:"name"`
			} `json:"ownerReferences"`
		} `json:"metadata"`
		Spec struct {
			NodeName string `json:"nodeName"`
		} `json:"spec"`
		Status struct {
			Phase             string `json:"phase"`
			ContainerStatuses []struct {
				ContainerID string `json:"containerID"`
			} `json:"containerStatuses"`
		} `json:"status"`
	} `json:"items"`
}

func parsePods(data []byte) ([]orchestrator.Workload, error) {
	var l podList
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("kubectl get pods -o json: %w", err)
	}
	var out []orchestrator.Workload
	for _, p := range l.Items {
		w := orchestrator.Workload{Node: p.Spec.NodeName, Namespace: p.Metadata.Namespace, Name: p.Metadata.Name, State: p.Status.Phase}
		if len(p.Metadata.OwnerReferences) > 0 {
			w.Service = p.Metadata.OwnerReferences[0].Name
		}
		for _, c := range p.Status.ContainerStatuses {
			// containerd://ID, docker://ID: the probe knows containers by ID.
			if _, id, ok := strings.Cut(c.ContainerID, "://"); ok && id != "" {
				w.Containers = append(w.Containers, id)
			}
		}
		out = append(out, w)
	}
	return out, nil
}

// List reports every pod of the cluster (kubectl get pods -A).
func (d *Driver) List(ctx context.Context) ([]orchestrator.Workload, error) {
	if len(d.nodes) == 0 {
		return nil, errors.New("kubernetes: List before Setup")
	}
	out, err := d.run(ctx, d.master, append(slices.Clone(d.fl.kubectl()), "get", "pods", "-A", "-o", "json"))
	if err != nil {
		return nil, fmt.Errorf("kubernetes: %s: %w", d.master.name, err)
	}
	return parsePods([]byte(out))
}
