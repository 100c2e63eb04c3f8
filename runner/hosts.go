package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/transport"
)

// hostConn is one host of the run: its connection, facts and probe.
type hostConn struct {
	name  string
	host  inventory.Host
	t     transport.Transport
	facts results.HostFacts

	probe   string // path of the placed probe on the host; "" when none
	spool   string
	pidfile string
	clock   clockTrack

	lastSeq  atomic.Uint64
	received atomic.Int64
	lastRecv atomic.Int64 // unix ns of the last record received
	lost     atomic.Bool

	daemon    atomic.Bool // a probe daemon start was attempted: stop it
	streaming atomic.Bool // the stream goroutine was started: await done

	stopOnce sync.Once
	stopping chan struct{} // closed when the run stops streaming
	done     chan struct{} // closed when the stream goroutine has returned
}

// parallelism bounds how many hosts are connected to or set up at once.
const parallelism = 16

// forHosts calls fn for every host, at most parallelism at a time
// (transport.Each), and joins the errors.
func forHosts(ctx context.Context, hs []*hostConn, fn func(*hostConn) error) error {
	return errors.Join(transport.Each(ctx, len(hs), parallelism, func(_ context.Context, i int) error {
		return fn(hs[i])
	})...)
}

// connect opens every host's transport and learns its facts.
func (r *run) connect(ctx context.Context) error {
	r.printf("connecting to %d host(s) of testbed %s", len(r.cfg.Hosts), r.cfg.Testbed)
	r.hosts = make([]*hostConn, len(r.cfg.Hosts))
	for i, h := range r.cfg.Hosts {
		r.hosts[i] = &hostConn{name: h.Name, host: h, stopping: make(chan struct{}), done: make(chan struct{})}
	}
	err := forHosts(ctx, r.hosts, func(h *hostConn) error {
		t, err := r.cfg.Connect(ctx, h.host)
		if err != nil {
			return fmt.Errorf("connect %s: %w", h.name, err)
		}
		h.t = t
		f, err := r.cfg.Facts(ctx, t)
		if err != nil {
			return fmt.Errorf("facts of %s: %w", h.name, err)
		}
		f.Name, f.Address, f.Roles, f.Labels = h.name, h.host.Address, h.host.Roles, h.host.Labels
		h.facts = f
		return nil
	})
	r.saveFacts()
	return err
}

func (r *run) saveFacts() {
	_ = r.w.UpdateManifest(func(m *results.Manifest) {
		for i, h := range r.hosts {
			if h.facts.Name != "" {
				m.Hosts[i] = h.facts
			}
		}
	})
}

func (r *run) closeHosts() {
	for _, h := range r.hosts {
		if h.t != nil {
			h.t.Close()
		}
	}
}

// probeHosts are the hosts that get a probe: those with one of the spec's
// probe roles, or all.
func (r *run) probeHosts() []*hostConn {
	roles := r.cfg.Spec.Probe.Roles
	var hs []*hostConn
	for _, h := range r.hosts {
		if len(roles) == 0 || hasAnyRole(h, roles) {
			hs = append(hs, h)
		}
	}
	return hs
}

func hasAnyRole(h *hostConn, roles []string) bool {
	for _, role := range roles {
		if inventory.HasRole(h.host, role) {
			return true
		}
	}
	return false
}

// startProbes places the probe build matching each host's architecture,
// starts it as a detached sampler that spools to the host's disk, measures
// the host's clock offset, and starts streaming its samples.
func (r *run) startProbes(ctx context.Context) error {
	hs := r.probeHosts()
	r.printf("placing the probe on %d host(s)", len(hs))
	runID := filepath.Base(r.w.Dir())
	err := forHosts(ctx, hs, func(h *hostConn) error {
		if err := r.placeProbe(ctx, h); err != nil {
			return err
		}
		dir := path.Join(r.cfg.RemoteDir, "runs", runID)
		if err := h.t.Run(ctx, transport.Cmd{Args: []string{"mkdir", "-p", dir}}); err != nil {
			return fmt.Errorf("%s: %w", h.name, err)
		}
		// The clock is measured before the daemon starts: a host whose
		// clock cannot be read gets no probe, rather than a probe whose
		// samples nobody fetches.
		off, bound, err := r.cfg.Clock(ctx, h.t, h.probe)
		if err != nil {
			return fmt.Errorf("%s: clock offset: %w", h.name, err)
		}
		r.recordClock(h, clockPoint{at: time.Now(), offset: off, bound: bound}, "probe start", "")
		h.facts.ClockOffset, h.facts.ClockError = off, bound
		h.spool, h.pidfile = path.Join(dir, "spool.jsonl"), path.Join(dir, "probe.pid")
		p := r.cfg.Spec.Probe
		args := []string{h.probe, "daemon", "--spool", h.spool, "--pidfile", h.pidfile,
			"--interval", p.Interval.String(), "--containers=" + strconv.FormatBool(p.Containers),
			"--daemons", strings.Join(p.Daemons, ",")}
		// Recorded before the call: a daemon whose start timed out or was
		// interrupted may be running all the same, and is stopped.
		h.daemon.Store(true)
		if err := h.t.Run(ctx, transport.Cmd{Args: args}); err != nil {
			return fmt.Errorf("%s: start probe: %w", h.name, err)
		}
		h.lastRecv.Store(time.Now().UnixNano())
		h.streaming.Store(true)
		go r.stream(h)
		return nil
	})
	r.saveFacts()
	return err
}

// placeProbe uploads the probe build for h's architecture unless the same
// build (named by its checksum) is already there.
func (r *run) placeProbe(ctx context.Context, h *hostConn) error {
	arch, err := probeArch(h.facts.Arch)
	if err != nil {
		return fmt.Errorf("%s: %w", h.name, err)
	}
	bin := filepath.Join(r.cfg.ProbesDir, "edgerig-probe-linux-"+arch)
	sum, err := fileSum(bin)
	if err != nil {
		return fmt.Errorf("%s: probe build for %s: %w (make probes builds them)", h.name, arch, err)
	}
	remote := path.Join(r.cfg.RemoteDir, "edgerig-probe-"+arch+"-"+sum[:12])
	if err := h.t.Run(ctx, transport.Cmd{Args: []string{"test", "-x", remote}}); err != nil {
		var ee *transport.ExitError
		if !errors.As(err, &ee) {
			return fmt.Errorf("%s: %w", h.name, err)
		}
		if err := h.t.Run(ctx, transport.Cmd{Args: []string{"mkdir", "-p", r.cfg.RemoteDir}}); err != nil {
			return fmt.Errorf("%s: %w", h.name, err)
		}
		if err := h.t.Copy(ctx, bin, remote, 0o755); err != nil {
			return fmt.Errorf("%s: upload probe: %w", h.name, err)
		}
		_ = r.w.Event(results.Event{Type: results.EventInfo, Host: h.name, Message: "probe uploaded: " + remote})
	}
	h.probe = remote
	h.facts.ProbeVersion = arch + "-" + sum[:12]
	return nil
}

// probeArch maps `uname -m` to the name of a probe build.
func probeArch(machine string) (string, error) {
	switch machine {
	case "x86_64", "amd64":
		return "amd64", nil
	case "aarch64", "arm64", "armv8l":
		return "arm64", nil
	case "armv7l", "armv7":
		return "armv7", nil
	case "armv6l", "armv6":
		return "armv6", nil
	}
	return "", fmt.Errorf("no probe build for architecture %q", machine)
}

var sumCache sync.Map // path → sha256 hex

func fileSum(p string) (string, error) {
	if s, ok := sumCache.Load(p); ok {
		return s.(string), nil
	}
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	s := hex.EncodeToString(h.Sum(nil))
	sumCache.Store(p, s)
	return s, nil
}
