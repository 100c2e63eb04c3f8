package binaries

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
)

// Config is what the driver needs; the zero value of every field but
// CacheDir has a working default (see New).
type Config struct {
	// Version is the Kubernetes release to run; the build module must pin
	// it. Default DefaultVersion.
	Version string
	// CacheDir is edgerig's cache root; binaries are kept in
	// CacheDir/kubernetes/<Version>/bin. Required.
	CacheDir string
	// ModuleDir is the build module; "" finds fixtures/kubernetes from the
	// working directory (FindModule).
	ModuleDir string
	// Progress gets a line per step of the build, set-up, readiness check
	// and teardown; nil discards them.
	Progress io.Writer
	// PodCIDR is the cluster's pod network (/16 or wider); each node gets a
	// /24 of it, the master the first. Default 10.244.0.0/16.
	PodCIDR string
	// ServiceCIDR is the Service network; its first address is the
	// apiserver's Service, its tenth the cluster DNS. Default 10.96.0.0/12.
	ServiceCIDR string
	// StartTimeout bounds the wait for each component to answer after it
	// starts (etcd, apiserver, containerd). Default 2 minutes.
	StartTimeout time.Duration
	// StepTimeout bounds each command teardown runs on a node. Default 1 minute.
	StepTimeout time.Duration
	// Layout is where things go on the nodes. Default DefaultLayout.
	Layout Layout
	// KeepCheck keeps Ready's check workload (a Deployment with one
	// replica per worker, its Service, minus the client pod) running after
	// Ready; by default it is removed and the cluster idles with CoreDNS.
	KeepCheck bool
}

// DefaultVersion is the Kubernetes release the build module pins.
const DefaultVersion = "v1.31.4"

// Driver is the binaries Kubernetes driver; it implements
// orchestrator.Driver. Keep one per trial.
type Driver struct {
	cfg Config

	mu      sync.Mutex
	cluster *orchestrator.Cluster
	plan    *plan
	// recorded is what this driver wrote to each node's state file: what
	// may be left on a node that cannot be reached to read it.
	recorded map[string][]string
}

// record writes lines to the node's state file and keeps a copy.
func (d *Driver) record(ctx context.Context, node string, t runner, l Layout, lines ...string) error {
	d.mu.Lock()
	if d.recorded == nil {
		d.recorded = map[string][]string{}
	}
	// Kept before the write: a write that fails may still have landed.
	d.recorded[node] = append(d.recorded[node], lines...)
	d.mu.Unlock()
	return record(ctx, t, l, lines...)
}

var _ orchestrator.Driver = (*Driver)(nil)

// New returns a driver with cfg's defaults filled in.
func New(cfg Config) *Driver {
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if cfg.PodCIDR == "" {
		cfg.PodCIDR = "10.244.0.0/16"
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = "10.96.0.0/12"
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 2 * time.Minute
	}
	if cfg.StepTimeout == 0 {
		cfg.StepTimeout = time.Minute
	}
	if cfg.Layout == (Layout{}) {
		cfg.Layout = DefaultLayout
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	return &Driver{cfg: cfg}
}

func (d *Driver) progress(format string, args ...any) {
	fmt.Fprintf(d.cfg.Progress, "kubernetes: "+format+"\n", args...)
}

var nodeName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// newPlan lays the cluster out: names and addresses checked, a pod CIDR
// per node, the Service addresses.
func newPlan(cfg Config, c orchestrator.Cluster) (*plan, error) {
	nodes := c.Nodes()
	var errs []error
	seen := map[string]bool{}
	for _, n := range nodes {
		if !nodeName.MatchString(n.Name) || len(n.Name) > 63 {
			errs = append(errs, fmt.Errorf("host %q: a Kubernetes node name must be lowercase letters, digits and '-' (rename it in the inventory)", n.Name))
		}
		if seen[n.Name] {
			errs = append(errs, fmt.Errorf("host %q appears twice in the cluster", n.Name))
		}
		seen[n.Name] = true
		if a, err := netip.ParseAddr(n.Addr); err != nil || !a.Is4() {
			errs = append(errs, fmt.Errorf("host %q: address %q: the binaries driver needs each node's IPv4 address (set addr in the inventory)", n.Name, n.Addr))
		}
		if n.T == nil {
			errs = append(errs, fmt.Errorf("host %q: no transport", n.Name))
		}
	}
	cidrs, err := nodeCIDRs(cfg.PodCIDR, len(nodes))
	if err != nil {
		errs = append(errs, err)
	}
	api, dns, err := serviceIPs(cfg.ServiceCIDR)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	p := &plan{Version: cfg.Version, L: cfg.Layout, MasterAddr: c.Master.Addr, ClusterCIDR: cfg.PodCIDR,
		ServiceCIDR: cfg.ServiceCIDR, APIServerIP: api, DNSIP: dns}
	for i, n := range nodes {
		p.Nodes = append(p.Nodes, nodePlan{Name: n.Name, Addr: n.Addr, Master: i == 0, PodCIDR: cidrs[i]})
	}
	return p, nil
}

// eachNode runs f on every node at once and joins the errors, each named
// by its node.
func eachNode(nodes []orchestrator.Node, f func(i int, n orchestrator.Node) error) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(i, n); err != nil {
				errs[i] = fmt.Errorf("node %s: %w", n.Name, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Teardown removes what the state file on each node records, on all nodes
// at once. A node that cannot be reached is named with what may be left
// on it; its state file stays, so the next Setup finishes the job.
func (d *Driver) Teardown(ctx context.Context) error {
	d.mu.Lock()
	c := d.cluster
	d.mu.Unlock()
	if c == nil {
		return nil
	}
	start := time.Now()
	d.progress("tearing down on %d nodes", len(c.Nodes()))
	err := eachNode(c.Nodes(), func(_ int, n orchestrator.Node) error {
		err := teardownNode(ctx, stepTimeout{n.T, d.cfg.StepTimeout}, d.cfg.Layout, d.cfg.StepTimeout)
		var unread *stateReadError
		if errors.As(err, &unread) {
			d.mu.Lock()
			lines := d.recorded[n.Name]
			d.mu.Unlock()
			if len(lines) > 0 {
				err = fmt.Errorf("%w; may be left there (as this run recorded it): %s", err, describe(parseState(strings.Join(lines, "\n"))))
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("kubernetes teardown: %w", err)
	}
	d.progress("torn down (%.1fs)", time.Since(start).Seconds())
	return nil
}

// stepTimeout bounds each command of a teardown, so one hung node cannot
// hold the others' results back forever.
type stepTimeout struct {
	runner
	d time.Duration
}

func (s stepTimeout) Run(ctx context.Context, c transportCmd) error {
	ctx, cancel := context.WithTimeout(ctx, s.d)
	defer cancel()
	return s.runner.Run(ctx, c)
}

// writeLocal writes data to a new file in dir and returns its path, for
// Copy to send.
func writeLocal(dir, name string, data []byte) (string, error) {
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	return p, os.WriteFile(p, data, 0o600)
}
