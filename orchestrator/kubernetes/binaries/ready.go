package binaries

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
)

// Ready waits, within ctx, until every node is Ready, CoreDNS and a
// Deployment of the pod image (one replica per worker) are available, and
// the Deployment's Service answers by ClusterIP and by DNS name from a pod
// on the master, which no replica runs on. Then it removes that check
// workload (unless Config.KeepCheck), so the cluster idles with CoreDNS only.
func (d *Driver) Ready(ctx context.Context) error {
	d.mu.Lock()
	c, p := d.cluster, d.plan
	d.mu.Unlock()
	if c == nil || p == nil {
		return errors.New("kubernetes ready: the cluster was not set up")
	}
	m, l := c.Master.T, p.L
	start := time.Now()
	limit := time.Hour // ctx carries the real deadline
	if dl, ok := ctx.Deadline(); ok {
		limit = time.Until(dl)
	}
	want := len(c.Nodes())
	if err := waitFor(ctx, "nodes", limit, time.Second, func(ctx context.Context) error {
		ready, err := readyNodes(ctx, m, l)
		if err != nil {
			return err
		}
		if len(ready) < want {
			return fmt.Errorf("%d of %d nodes Ready (%s)", len(ready), want, strings.Join(ready, ", "))
		}
		return nil
	}); err != nil {
		return fmt.Errorf("kubernetes ready: %w", err)
	}
	d.progress("%d nodes Ready (%.1fs)", want, time.Since(start).Seconds())

	replicas := len(c.Workers)
	if replicas == 0 {
		replicas = 1
	}
	if _, err := kubectl(ctx, m, l, p.checkManifest(replicas), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("kubernetes ready: %w", err)
	}
	for _, dep := range []struct{ ns, name string }{{"kube-system", "coredns"}, {checkNamespace, checkDeployment}} {
		if err := waitFor(ctx, "deployment "+dep.ns+"/"+dep.name, limit, time.Second, func(ctx context.Context) error {
			return deploymentAvailable(ctx, m, l, dep.ns, dep.name)
		}); err != nil {
			return fmt.Errorf("kubernetes ready: %w", err)
		}
	}
	d.progress("CoreDNS and the %d-replica check Deployment available (%.1fs)", replicas, time.Since(start).Seconds())
	if err := d.checkWorkersOnly(ctx, p); err != nil {
		return fmt.Errorf("kubernetes ready: %w", err)
	}

	if _, err := kubectl(ctx, m, l, p.clientPod(c.Master.Name), "apply", "-f", "-"); err != nil {
		return fmt.Errorf("kubernetes ready: %w", err)
	}
	if d.cfg.KeepCheck {
		defer func() {
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			kubectl(dctx, m, l, "", "delete", "pod", "-n", checkNamespace, checkClient, "--wait=false")
		}()
	}
	if err := waitFor(ctx, "client pod", limit, time.Second, func(ctx context.Context) error {
		out, err := kubectl(ctx, m, l, "", "get", "pod", "-n", checkNamespace, checkClient, "-o", "jsonpath={.status.phase}")
		if err == nil && out != "Running" {
			err = fmt.Errorf("phase %q", out)
		}
		return err
	}); err != nil {
		return fmt.Errorf("kubernetes ready: %w", err)
	}
	ip, err := kubectl(ctx, m, l, "", "get", "service", "-n", checkNamespace, checkService, "-o", "jsonpath={.spec.clusterIP}")
	if err != nil {
		return fmt.Errorf("kubernetes ready: %w", err)
	}
	for _, url := range []string{
		"http://" + strings.TrimSpace(ip) + "/",
		"http://" + checkService + "." + checkNamespace + ".svc.cluster.local/",
	} {
		if err := waitFor(ctx, "GET "+url+" from "+c.Master.Name, limit, time.Second, func(ctx context.Context) error {
			out, err := kubectl(ctx, m, l, "", "exec", "-n", checkNamespace, checkClient, "--", "/"+PodProgram, "get", url)
			if err == nil && !strings.HasPrefix(out, "edgerig-pod ") {
				err = fmt.Errorf("unexpected answer %q", out)
			}
			return err
		}); err != nil {
			return fmt.Errorf("kubernetes ready: %w", err)
		}
	}
	d.progress("ready: the Service answers by ClusterIP and DNS name across nodes (%.1fs)", time.Since(start).Seconds())
	if d.cfg.KeepCheck {
		return nil
	}
	// The cluster idles as a user would have it: CoreDNS, no test workload.
	if _, err := kubectl(ctx, m, l, "", "delete", "namespace", checkNamespace, "--wait=true", "--timeout=2m"); err != nil {
		return fmt.Errorf("kubernetes ready: removing the check workload: %w", err)
	}
	d.progress("check workload removed (%.1fs)", time.Since(start).Seconds())
	return nil
}

// readyNodes returns the names of the nodes whose Ready condition is True.
func readyNodes(ctx context.Context, t runner, l Layout) ([]string, error) {
	out, err := kubectl(ctx, t, l, "", "get", "nodes", "-o", "json")
	if err != nil {
		return nil, err
	}
	var list struct {
		Items []struct {
			Metadata struct{ Name string }
			Status   struct {
				Conditions []struct{ Type, Status string }
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		return nil, fmt.Errorf("parsing kubectl get nodes: %w", err)
	}
	var ready []string
	for _, n := range list.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ready = append(ready, n.Metadata.Name)
			}
		}
	}
	sort.Strings(ready)
	return ready, nil
}

func deploymentAvailable(ctx context.Context, t runner, l Layout, ns, name string) error {
	out, err := kubectl(ctx, t, l, "", "get", "deployment", "-n", ns, name, "-o", "json")
	if err != nil {
		return err
	}
	var dep struct {
		Spec   struct{ Replicas int }
		Status struct{ AvailableReplicas int }
	}
	if err := json.Unmarshal([]byte(out), &dep); err != nil {
		return fmt.Errorf("parsing deployment %s/%s: %w", ns, name, err)
	}
	if dep.Status.AvailableReplicas < dep.Spec.Replicas {
		return fmt.Errorf("%d of %d replicas available", dep.Status.AvailableReplicas, dep.Spec.Replicas)
	}
	return nil
}

// checkWorkersOnly makes sure no replica of the check Deployment runs on
// the master (it is tainted, as kubeadm does).
func (d *Driver) checkWorkersOnly(ctx context.Context, p *plan) error {
	ws, err := d.List(ctx)
	if err != nil {
		return err
	}
	for _, w := range ws {
		if w.Namespace == checkNamespace && w.Service == checkDeployment && w.Node == p.Nodes[0].Name {
			return fmt.Errorf("pod %s of the check Deployment runs on the master %s, which should be tainted", w.Name, w.Node)
		}
	}
	return nil
}

// List reports every pod in the cluster with its node, namespace, owner
// (the Deployment for a ReplicaSet's pod) and phase.
func (d *Driver) List(ctx context.Context) ([]orchestrator.Workload, error) {
	d.mu.Lock()
	c, p := d.cluster, d.plan
	d.mu.Unlock()
	if c == nil || p == nil {
		return nil, errors.New("kubernetes list: the cluster was not set up")
	}
	out, err := kubectl(ctx, c.Master.T, p.L, "", "get", "pods", "--all-namespaces", "-o", "json")
	if err != nil {
		return nil, fmt.Errorf("kubernetes list: %w", err)
	}
	return parsePods([]byte(out))
}

func parsePods(data []byte) ([]orchestrator.Workload, error) {
	var list struct {
		Items []struct {
			Metadata struct {
				Name, Namespace string
				Labels          map[string]string
				OwnerReferences []struct{ Kind, Name string }
			}
			Spec   struct{ NodeName string }
			Status struct {
				Phase             string
				ContainerStatuses []struct{ ContainerID string }
			}
		}
	}
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("parsing the pod list: %w", err)
	}
	var ws []orchestrator.Workload
	for _, it := range list.Items {
		owner := ""
		if len(it.Metadata.OwnerReferences) > 0 {
			o := it.Metadata.OwnerReferences[0]
			owner = o.Name
			if o.Kind == "ReplicaSet" {
				if h := it.Metadata.Labels["pod-template-hash"]; h != "" {
					owner = strings.TrimSuffix(owner, "-"+h)
				}
			}
		}
		// The containers' IDs let the runner label the probe's container
		// series with the pod they belong to.
		var ids []string
		for _, c := range it.Status.ContainerStatuses {
			if id := strings.TrimPrefix(c.ContainerID, "containerd://"); id != "" {
				ids = append(ids, id)
			}
		}
		ws = append(ws, orchestrator.Workload{Node: it.Spec.NodeName, Namespace: it.Metadata.Namespace,
			Name: it.Metadata.Name, Service: owner, State: it.Status.Phase, Containers: ids})
	}
	return ws, nil
}
