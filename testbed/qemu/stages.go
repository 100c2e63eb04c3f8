package qemu

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// stepRunner runs the build's commands with their output appended to the
// build log, and puts the log's last lines into the error of a failed one.
// A command under emulation can run for minutes without a word on the
// terminal, so beat (if set) gets its latest output line every beatEvery.
type stepRunner struct {
	log  io.Writer
	env  []string
	beat func(elapsed time.Duration, last string)
}

const beatEvery = 30 * time.Second

func (r *stepRunner) run(ctx context.Context, name string, args ...string) error {
	fmt.Fprintf(r.log, "$ %s %s\n", name, strings.Join(args, " "))
	var tail tailBuffer
	cmd := exec.CommandContext(ctx, name, args...)
	w := io.MultiWriter(r.log, &tail)
	cmd.Stdout, cmd.Stderr = w, w
	cmd.Env = append(os.Environ(), r.env...)
	if r.beat != nil {
		start, stop := time.Now(), make(chan struct{})
		defer close(stop)
		go func() {
			tick := time.NewTicker(beatEvery)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					r.beat(time.Since(start), lastLines([]byte(tail.String()), 1))
				}
			}
		}()
	}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w; last output:\n%s", name, strings.Join(args, " "), err, tail.String())
	}
	return nil
}

// tailBuffer keeps the last 4 KiB written to it.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return lastLines(t.b, 15)
}

// lastLines returns the last n lines of b, for error messages.
func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// DebianMirror is the mirror this machine's apt uses (deb822 sources or
// sources.list), so that image builds go where the machine is allowed to
// go; EDGERIG_DEBIAN_MIRROR overrides it.
func DebianMirror() string {
	if m := os.Getenv("EDGERIG_DEBIAN_MIRROR"); m != "" {
		return m
	}
	for _, f := range []string{"/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"} {
		if b, err := os.ReadFile(f); err == nil {
			if m := parseMirror(b); m != "" {
				return m
			}
		}
	}
	return "http://deb.debian.org/debian"
}

// parseMirror finds the first URI serving Suite (not its security or
// updates suites) in a deb822 .sources file or a one-line sources.list.
func parseMirror(b []byte) string {
	var uri string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" { // end of a deb822 stanza
			uri = ""
			continue
		}
		if strings.HasPrefix(line, "#") {
			continue
		}
		if v, ok := strings.CutPrefix(line, "URIs:"); ok {
			uri = strings.Fields(v + " x")[0]
			continue
		}
		if v, ok := strings.CutPrefix(line, "Suites:"); ok && uri != "" {
			for _, s := range strings.Fields(v) {
				if s == Suite {
					return uri
				}
			}
			continue
		}
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "deb" {
			i := 1
			if strings.HasPrefix(f[1], "[") { // deb [signed-by=...] URL suite
				for i < len(f) && !strings.HasSuffix(f[i], "]") {
					i++
				}
				i++
			}
			if i+1 < len(f) && f[i+1] == Suite {
				return f[i]
			}
		}
	}
	return ""
}

// ensureBinfmt makes sure the kernel runs a's binaries through qemu-user,
// which debootstrap and chroot rely on to build a foreign root filesystem.
func ensureBinfmt(ctx context.Context, a Arch) error {
	entry := filepath.Join("/proc/sys/fs/binfmt_misc", a.Binfmt)
	enabled := func() bool {
		b, err := os.ReadFile(entry)
		return err == nil && strings.HasPrefix(string(b), "enabled")
	}
	if enabled() {
		return nil
	}
	if _, err := os.Stat("/proc/sys/fs/binfmt_misc/register"); err != nil {
		exec.CommandContext(ctx, "mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc").Run()
	}
	out, err := exec.CommandContext(ctx, "update-binfmts", "--enable", a.Binfmt).CombinedOutput()
	if enabled() {
		return nil
	}
	return fmt.Errorf("%s: %s binaries cannot run here (binfmt_misc entry %s not enabled; install qemu-user-static and binfmt-support as root: %v %s)",
		a.Name, a.DebArch, a.Binfmt, err, strings.TrimSpace(string(out)))
}
