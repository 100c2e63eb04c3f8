package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// monitConf is a 1 s cycle over what the PyMon paper's monitor watches:
// the system (CPU, memory, load) and the container daemons. Monit has no
// per-container check; its state, id, log and control socket (which
// `monit status` reads) stay in the bench's temporary directory.
const monitConf = `set daemon 1
set log %[1]s/monit.log
set pidfile %[1]s/monit.pid
set idfile %[1]s/monit.id
set statefile %[1]s/monit.state
set httpd unixsocket %[1]s/monit.sock
  allow bench:bench
check system benchprobe
check process dockerd matching "^/usr/sbin/dockerd"
check process containerd matching "^containerd"
`

type monit struct {
	cmd       *exec.Cmd
	conf, log string
	done      bool
}

// startMonit runs Debian's monit in the foreground (-I) on its own control
// file; it must be mode 0600 or monit refuses it.
func startMonit(ctx context.Context, dir string) (*monit, error) {
	md := filepath.Join(dir, "monit")
	if err := os.MkdirAll(md, 0o700); err != nil {
		return nil, err
	}
	conf := filepath.Join(md, "monitrc")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(monitConf, md)), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "monit", "-I", "-c", conf)
	cmd.Dir = md
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start monit (Debian package monit, fixtures/setup/deps.sh): %w", err)
	}
	return &monit{cmd: cmd, conf: conf, log: filepath.Join(md, "monit.log")}, nil
}

// check asks the running monit for its status and requires every
// service's data to have been collected within the last 3 s: it really
// cycled at 1 s through the window.
func (m *monit) check(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "monit", "-c", m.conf, "status").CombinedOutput()
	if err != nil {
		return fmt.Errorf("monit status: %w\n%s", err, out)
	}
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(l), "data collected")
		if !ok {
			continue
		}
		at, err := time.ParseInLocation("Mon, 02 Jan 2006 15:04:05", strings.TrimSpace(v), time.Local)
		if err != nil {
			return fmt.Errorf("monit status: %q: %w", l, err)
		}
		if d := time.Since(at); d > 3*time.Second {
			return fmt.Errorf("monit last collected %s ago, not every 1 s (log %s)", d.Round(time.Second), m.log)
		}
		n++
	}
	if n < 3 {
		return fmt.Errorf("monit status lists %d of its 3 services:\n%s", n, out)
	}
	return nil
}

func (m *monit) stop() {
	if m.done {
		return
	}
	m.done = true
	_ = m.cmd.Process.Signal(os.Interrupt)
	ch := make(chan struct{})
	go func() { _ = m.cmd.Wait(); close(ch) }()
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		_ = m.cmd.Process.Kill()
		<-ch
	}
}
