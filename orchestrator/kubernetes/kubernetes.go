// Package kubernetes sets up Kubernetes on real clusters with k3s or
// kubeadm, by argv commands over each node's transport: install from the
// spec's source, init on the master, join the workers with a token, wait
// until every node is Ready (kubectl get nodes), and in teardown reset and
// uninstall, workers first.
//
// Before it installs anything on a node it writes a marker file
// (MarkerFile) saying how; Setup first undoes what a marker describes (an
// interrupted run's cluster), and refuses a node that runs a Kubernetes
// with no marker: edgerig does not reset a cluster it did not make.
//
// The binaries install method (components built from Go modules, on the
// container testbed) is another package's.
package kubernetes

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/edgerig/edgerig/orchestrator"
	"github.com/edgerig/edgerig/spec"
	"github.com/edgerig/edgerig/transport"
)

// Config is what the spec's orchestrator.kubernetes says, and the driver's
// own settings.
type Config struct {
	Install string // k3s | kubeadm
	Version string // v1.31.4 (k3s's installer: v1.31.4+k3s1)
	Source  string // see spec.Kubernetes; "" means spec.DefaultSource
	// CNIManifest is the pod network kubeadm's clusters get (kubectl apply
	// -f); flannel's release manifest when empty. k3s brings its own.
	CNIManifest string
	// Poll is how often readiness is checked; 2 s when zero.
	Poll time.Duration
}

// DefaultCNIManifest is flannel's, pinned.
const DefaultCNIManifest = "https://github.com/flannel-io/flannel/releases/download/v0.26.1/kube-flannel.yml"

// MarkerFile records on a node that edgerig installed Kubernetes there,
// and how, so that the next run can undo an interrupted one.
const MarkerFile = "/var/lib/edgerig/kubernetes"

// Driver sets up one k3s or kubeadm cluster; it implements
// orchestrator.Driver. Keep one per trial.
type Driver struct {
	cfg Config
	fl  flavour

	token string // chosen by Setup; tests set it

	mu     sync.Mutex
	master nodeT
	nodes  []nodeT           // master first, as given to Setup
	done   map[string]*stage // what Setup began on each node, by name
}

// nodeT is a node with its transport.
type nodeT struct {
	node
	t transport.Transport
	// sudo: the transport's user is not root, so every command runs
	// through sudo -n (the user needs sudo without a password, as
	// provisioning does).
	sudo bool
}

// stage is what Setup began on a node, recorded before each step so that
// Teardown undoes a step that was cut short too.
type stage struct {
	master    bool
	marked    bool // the marker write was started
	installed bool // install commands were started
	started   bool // init or join was started
}

var _ orchestrator.Driver = (*Driver)(nil)

// New checks cfg and returns a driver for it.
func New(cfg Config) (*Driver, error) {
	if cfg.Source == "" {
		cfg.Source = spec.DefaultSource(cfg.Install)
	}
	if cfg.CNIManifest == "" {
		cfg.CNIManifest = DefaultCNIManifest
	}
	if cfg.Poll == 0 {
		cfg.Poll = 2 * time.Second
	}
	fl, err := newFlavour(cfg)
	if err != nil {
		return nil, err
	}
	return &Driver{cfg: cfg, fl: fl, done: map[string]*stage{}}, nil
}

// Setup cleans what an interrupted run left, refuses a node with a
// Kubernetes edgerig did not install, then installs on every node, inits
// the master and joins the workers.
func (d *Driver) Setup(ctx context.Context, c orchestrator.Cluster) error {
	if len(d.nodes) > 0 {
		return errors.New("kubernetes: Setup called twice on one driver: use one driver per trial")
	}
	for _, n := range c.Nodes() {
		d.nodes = append(d.nodes, nodeT{node: node{n.Name, n.Addr}, t: n.T})
	}
	d.master = d.nodes[0]
	if d.token == "" {
		d.token = newToken()
	}
	if err := d.each(ctx, d.nodes, d.prepare); err != nil {
		return err
	}
	d.master = d.nodes[0] // prepare learned whether it needs sudo
	if err := d.each(ctx, d.nodes, d.install); err != nil {
		return err
	}
	st := d.stage(d.master.name)
	d.setStage(func() { st.started = true })
	for _, args := range d.fl.initMaster(d.master.node, d.token) {
		if _, err := d.run(ctx, d.master, args); err != nil {
			return fmt.Errorf("kubernetes: %s: init: %w", d.master.name, err)
		}
	}
	var joinOut string
	if args := d.fl.joinCommand(); args != nil {
		out, err := d.run(ctx, d.master, args)
		if err != nil {
			return fmt.Errorf("kubernetes: %s: join command: %w", d.master.name, err)
		}
		joinOut = out
	}
	return d.each(ctx, d.nodes[1:], func(ctx context.Context, n nodeT) error {
		cmds, err := d.fl.join(n.node, d.master.node, d.token, joinOut)
		if err != nil {
			return fmt.Errorf("kubernetes: %s: join: %w", n.name, err)
		}
		st := d.stage(n.name)
		d.setStage(func() { st.started = true })
		for _, args := range cmds {
			if _, err := d.run(ctx, n, args); err != nil {
				return fmt.Errorf("kubernetes: %s: join: %w", n.name, err)
			}
		}
		return nil
	})
}

// prepare learns whether n needs sudo, undoes what a marker on n
// describes and refuses a Kubernetes without one.
func (d *Driver) prepare(ctx context.Context, n nodeT) error {
	uid, err := d.run(ctx, n, []string{"id", "-u"})
	if err != nil {
		return fmt.Errorf("kubernetes: %s: %w", n.name, err)
	}
	if strings.TrimSpace(uid) != "0" {
		d.mu.Lock()
		for i := range d.nodes {
			if d.nodes[i].name == n.name {
				d.nodes[i].sudo = true
			}
		}
		d.mu.Unlock()
		n.sudo = true
		if _, err := d.run(ctx, n, []string{"true"}); err != nil {
			return fmt.Errorf("kubernetes: %s: the user is not root and sudo -n fails (it needs sudo without a password): %w", n.name, err)
		}
	}
	out, err := d.run(ctx, n, []string{"cat", MarkerFile})
	var exit *transport.ExitError
	switch {
	case err == nil:
		if err := d.cleanLeftover(ctx, n, out); err != nil {
			return err
		}
	case !errors.As(err, &exit):
		return fmt.Errorf("kubernetes: %s: reading %s: %w", n.name, MarkerFile, err)
	}
	_, err = d.run(ctx, n, d.fl.installed())
	if err == nil {
		return fmt.Errorf("kubernetes: %s already runs a Kubernetes that edgerig did not install (no %s): edgerig will not reset it; remove it first (k3s-uninstall.sh, or kubeadm reset)", n.name, MarkerFile)
	}
	if !errors.As(err, &exit) {
		return fmt.Errorf("kubernetes: %s: %w", n.name, err)
	}
	return nil
}

// cleanLeftover resets and uninstalls what the marker says an earlier
// run installed on n, then removes the marker.
func (d *Driver) cleanLeftover(ctx context.Context, n nodeT, marker string) error {
	m, err := parseMarker(marker)
	if err != nil {
		return fmt.Errorf("kubernetes: %s: %s: %w: remove what it describes by hand, then the file", n.name, MarkerFile, err)
	}
	fl, err := newFlavour(Config{Install: m.install, Version: m.version, Source: m.source, CNIManifest: d.cfg.CNIManifest})
	if err != nil {
		return fmt.Errorf("kubernetes: %s: %s: %w", n.name, MarkerFile, err)
	}
	for _, args := range append(fl.reset(m.master), append(fl.uninstall(m.master), []string{"rm", "-f", MarkerFile})...) {
		if _, err := d.run(ctx, n, args); err != nil {
			return fmt.Errorf("kubernetes: %s: cleaning up what an earlier run left (%s): %w", n.name, m.install, err)
		}
	}
	return nil
}

// install writes the marker, then installs and checks the version.
func (d *Driver) install(ctx context.Context, n nodeT) error {
	st := d.stage(n.name)
	d.setStage(func() { st.master, st.marked = n.name == d.master.name, true })
	m := marker{install: d.cfg.Install, version: d.cfg.Version, source: d.cfg.Source, master: st.master}
	if _, err := d.run(ctx, n, []string{"mkdir", "-p", "/var/lib/edgerig"}); err != nil {
		return fmt.Errorf("kubernetes: %s: %w", n.name, err)
	}
	if err := n.t.Run(ctx, transport.Cmd{Args: n.priv([]string{"tee", MarkerFile}), Stdin: strings.NewReader(m.String())}); err != nil {
		return fmt.Errorf("kubernetes: %s: writing %s: %w", n.name, MarkerFile, err)
	}
	d.setStage(func() { st.installed = true })
	for _, args := range d.fl.install(n.node) {
		if _, err := d.run(ctx, n, args); err != nil {
			return fmt.Errorf("kubernetes: %s: install: %w", n.name, err)
		}
	}
	if _, ok := d.fl.(k3s); ok && d.fl.(k3s).kind == spec.SourceScript {
		return nil // the installer installs when it starts k3s
	}
	out, err := d.run(ctx, n, d.fl.versionCmd())
	if err != nil {
		return fmt.Errorf("kubernetes: %s: %w", n.name, err)
	}
	if !strings.Contains(out, d.cfg.Version) {
		return fmt.Errorf("kubernetes: %s: installed %q, the spec asks for %s: pin the version in the source, or change orchestrator.kubernetes.version", n.name, strings.TrimSpace(out), d.cfg.Version)
	}
	return nil
}

// Teardown resets and uninstalls every node Setup began on, workers first,
// and removes the markers. It goes on past a failure, and names what was
// left on each node it could not clean; the next Setup removes it.
func (d *Driver) Teardown(ctx context.Context) error {
	var errs []error
	for i := len(d.nodes) - 1; i >= 0; i-- {
		n := d.nodes[i]
		st := d.done[n.name]
		if st == nil || !st.marked {
			continue
		}
		var cmds [][]string
		if st.started {
			cmds = append(cmds, d.fl.reset(st.master)...)
		}
		if st.installed {
			cmds = append(cmds, d.fl.uninstall(st.master)...)
		}
		cmds = append(cmds, []string{"rm", "-f", MarkerFile})
		for _, args := range cmds {
			if _, err := d.run(ctx, n, args); err != nil {
				errs = append(errs, fmt.Errorf("kubernetes: %s: %w (left behind: %s; the next run's set-up removes it)", n.name, err, st.leftBehind(d.cfg.Install)))
				break
			}
		}
	}
	d.done = map[string]*stage{}
	return errors.Join(errs...)
}

func (s *stage) leftBehind(install string) string {
	var parts []string
	if s.started {
		parts = append(parts, "a running "+install)
	}
	if s.installed {
		parts = append(parts, "its installation")
	}
	return strings.Join(append(parts, MarkerFile), ", ")
}

func (d *Driver) stage(name string) *stage {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.done[name] == nil {
		d.done[name] = &stage{}
	}
	return d.done[name]
}

func (d *Driver) setStage(f func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	f()
}

// each runs fn on every node in parallel and joins the errors; a node
// skipped because ctx ended is named too.
func (d *Driver) each(ctx context.Context, ns []nodeT, fn func(context.Context, nodeT) error) error {
	errs := transport.Each(ctx, len(ns), len(ns), func(ctx context.Context, i int) error {
		return fn(ctx, ns[i])
	})
	for i, err := range errs {
		if err != nil && err == ctx.Err() {
			errs[i] = fmt.Errorf("kubernetes: %s: %w", ns[i].name, err)
		}
	}
	return errors.Join(errs...)
}

// run runs args on n (through sudo when n needs it) and returns its
// standard output; a failure carries the end of its standard error.
func (d *Driver) run(ctx context.Context, n nodeT, args []string) (string, error) {
	var out strings.Builder
	var errOut transport.Tail
	err := n.t.Run(ctx, transport.Cmd{Args: n.priv(args), Stdout: &out, Stderr: &errOut})
	var exit *transport.ExitError
	if errors.As(err, &exit) && exit.Stderr == "" {
		exit.Stderr = errOut.String()
	}
	return out.String(), err
}

func (n nodeT) priv(args []string) []string {
	if !n.sudo {
		return args
	}
	return append([]string{"sudo", "-n"}, args...)
}

// newToken is a bootstrap token in kubeadm's form ([a-z0-9]{6}.[a-z0-9]{16}),
// which k3s accepts too.
func newToken() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 22)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:6]) + "." + string(b[6:])
}
