package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/edgerig/edgerig/internal/cli"
)

// childEnv marks the detached sampler started by `edgerig-probe daemon`.
const childEnv = "EDGERIG_PROBE_DETACHED"

func daemonFlags(fs *flag.FlagSet) cli.Action {
	var f samplerFlags
	f.register(fs)
	pidfile := fs.String("pidfile", "", "`file` the detached sampler writes its PID to (required)")
	orphan := fs.Duration("orphan-timeout", 10*time.Minute, "exit after this long without a tail attached")
	return func(_ []string, stdio cli.IO) error {
		if err := f.check(); err != nil {
			return err
		}
		if f.spool == "" || *pidfile == "" {
			return cli.UsageError{Msg: "--spool and --pidfile are required"}
		}
		if os.Getenv(childEnv) == "1" {
			return runDetached(f, *pidfile, *orphan)
		}
		return detach(setFlags(fs), *pidfile)
	}
}

// setFlags is the flags given on the command line, as --name=value, for
// the detached sampler's command line.
func setFlags(fs *flag.FlagSet) []string {
	var args []string
	fs.Visit(func(f *flag.Flag) { args = append(args, "--"+f.Name+"="+f.Value.String()) })
	return args
}

// detach starts this program again as the sampler in a new session with
// stdio on /dev/null (so that an SSH session that started it can close),
// and returns once the sampler has written the pidfile.
func detach(args []string, pidfile string) error {
	if pid, ok := running(pidfile); ok {
		return fmt.Errorf("daemon: already running as pid %d (pidfile %s)", pid, pidfile)
	}
	_ = os.Remove(pidfile)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	defer null.Close()
	cmd := exec.Command(self, append([]string{"daemon"}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// fd 3 carries the sampler's error, if it fails before it is ready;
	// it closes it once ready, leaving only /dev/null.
	pr, pw, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("daemon: %w", err)
	}
	defer pr.Close()
	cmd.ExtraFiles = []*os.File{pw}
	if err := cmd.Start(); err != nil {
		pw.Close()
		return fmt.Errorf("daemon: start %s: %w", self, err)
	}
	pw.Close()
	msg := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(pr, 4096))
		msg <- strings.TrimSpace(string(b))
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.After(10 * time.Second)
	for {
		if pid, err := readPid(pidfile); err == nil && pid == cmd.Process.Pid {
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("daemon: sampler exited before writing %s (%v): %s", pidfile, err, <-msg)
		case <-deadline:
			_ = cmd.Process.Kill()
			return fmt.Errorf("daemon: sampler did not write %s within 10s", pidfile)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// runDetached is the sampler itself.
func runDetached(f samplerFlags, pidfile string, orphan time.Duration) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt, syscall.SIGHUP)
	defer stop()
	defer func() {
		if pid, err := readPid(pidfile); err == nil && pid == os.Getpid() {
			_ = os.Remove(pidfile)
		}
	}()
	start := time.Now()
	reader := f.spool + ".reader"
	attached := func(now time.Time) bool {
		last := start
		if st, err := os.Stat(reader); err == nil && st.ModTime().After(last) {
			last = st.ModTime()
		}
		return now.Sub(last) < orphan
	}
	errPipe := os.NewFile(3, "daemon-errors")
	ready := func() error {
		if err := writePid(pidfile, os.Getpid()); err != nil {
			return err
		}
		errPipe.Close()
		errPipe = nil
		return nil
	}
	err := sampleLoop(ctx, f, ready, nil, attached)
	if err != nil && errPipe != nil {
		fmt.Fprintln(errPipe, err)
	}
	return err
}

// writePid writes the pidfile atomically, so a reader never sees it empty.
func writePid(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	return nil
}

func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0, fmt.Errorf("pidfile %s: bad content %q", path, b)
	}
	return pid, nil
}

// running reads the pidfile and says whether that PID is a live (not
// zombie) edgerig-probe, so that a stale pidfile whose PID was reused by
// another program is never signalled.
func running(pidfile string) (int, bool) {
	pid, err := readPid(pidfile)
	if err != nil {
		return 0, false
	}
	return pid, alive(pid)
}

func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	if i := strings.LastIndexByte(string(stat), ')'); i > 0 && i+2 < len(stat) && (stat[i+2] == 'Z' || stat[i+2] == 'X') {
		return false
	}
	exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	// The binary may be renamed per architecture (edgerig-probe-linux-arm64)
	// or run through qemu-user, where exe is the emulator: accept either.
	return strings.Contains(filepath.Base(exe), "edgerig-probe") || strings.Contains(string(cmdline), "edgerig-probe")
}
