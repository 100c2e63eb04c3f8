package qemu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/ssh"
)

// stateFile lists the VMs a testbed directory holds, for Down and Kill.
const stateFile = "qemu-testbed.json"

// Options says what Up brings up.
type Options struct {
	Dir         string        // the testbed directory: inventory, keys, one subdirectory per VM
	Arches      []string      // arm64, armv7 (one or both)
	Nodes       int           // VMs per architecture; 0 means 1
	Port        int           // the first forwarded SSH port (then +1 per VM); 0 picks free ports
	BootTimeout time.Duration // per VM, from QEMU's start to SSH answering; 0 means 6 minutes
	// Cache is the image cache (CacheRoot() if empty). With NoBuild, a
	// missing image is an error instead of being built.
	Cache   string
	NoBuild bool
	Mirror  string    // the Debian mirror for builds; DebianMirror() if empty
	Log     io.Writer // progress for humans; nil discards
}

// Testbed is a set of running VMs and the inventory that reaches them.
type Testbed struct {
	Dir string `json:"dir"`
	VMs []*VM  `json:"vms"`
}

// Up builds the images it needs (once, cached), boots every VM, waits until
// each answers SSH with the expected architecture, and writes DIR/hosts.yaml,
// DIR/known_hosts and DIR/id_ed25519. On any failure it stops what it
// started and says why, with the serial log of the VM that failed.
func Up(ctx context.Context, o Options) (*Testbed, error) {
	logf := func(format string, args ...any) {
		if o.Log != nil {
			fmt.Fprintf(o.Log, format+"\n", args...)
		}
	}
	if o.Dir == "" {
		return nil, errors.New("qemu testbed: no directory")
	}
	if o.Nodes == 0 {
		o.Nodes = 1
	}
	if o.Nodes < 0 || o.Nodes > 8 {
		return nil, fmt.Errorf("qemu testbed: %d nodes per architecture (1 to 8)", o.Nodes)
	}
	if len(o.Arches) == 0 {
		return nil, errors.New("qemu testbed: no architecture (arm64, armv7)")
	}
	if o.BootTimeout == 0 {
		o.BootTimeout = 6 * time.Minute
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("qemu testbed: %w", err)
	}
	if tb, err := Load(o.Dir); err == nil && tb.running() {
		return nil, fmt.Errorf("qemu testbed %s is already up (edgerig testbed down qemu --dir %s first)", o.Dir, o.Dir)
	}
	nodes, err := plan(ctx, o)
	if err != nil {
		return nil, fmt.Errorf("qemu testbed: %w", err)
	}
	signer, authorized, err := userKey(o.Dir)
	if err != nil {
		return nil, err
	}
	tb := &Testbed{Dir: o.Dir}
	fail := func(err error) (*Testbed, error) {
		if derr := tb.Down(); derr != nil {
			err = errors.Join(err, derr)
		}
		return nil, fmt.Errorf("qemu testbed: %w", err)
	}
	for i, n := range nodes {
		port, err := pickPort(o.Port, i)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", n.vm.Name, err))
		}
		n.vm.Port = port
		seed := seedFiles{hostname: n.vm.Name, authorizedKeys: authorized}
		if !strings.HasSuffix(n.vm.Name, "-1") {
			// Several copies of one image: each gets a host key of its own.
			if seed.hostKey, seed.hostKeyPub, err = newHostKey(n.vm.Name); err != nil {
				return fail(err)
			}
			n.vm.HostKey = publicKeyLine(seed.hostKeyPub)
		}
		if err := prepare(ctx, n.im, n.vm, seed); err != nil {
			return fail(err)
		}
		logf("qemu: starting %s (%s %s) with SSH on %s", n.vm.Name, n.arch.System, n.arch.CPU, n.vm.Addr())
		tb.VMs = append(tb.VMs, n.vm)
		if err := tb.save(); err != nil {
			return fail(err)
		}
		err = start(ctx, n.arch, n.im, n.vm)
		if errors.Is(err, ErrPortTaken) && o.Port == 0 {
			// Someone took the free port between our check and QEMU's bind: once more.
			if n.vm.Port, err = pickPort(0, i); err == nil {
				err = start(ctx, n.arch, n.im, n.vm)
			}
		}
		if err != nil {
			return fail(err)
		}
		if err := startWatch(n.arch, n.im, n.vm); err != nil {
			return fail(err)
		}
	}
	if err := waitAll(ctx, nodes, signer, o.BootTimeout, logf); err != nil {
		return fail(err)
	}
	if err := writeInventory(o.Dir, tb.VMs); err != nil {
		return fail(err)
	}
	logf("qemu: testbed up: %s", filepath.Join(o.Dir, "hosts.yaml"))
	return tb, nil
}

// node is one VM to boot and the image and architecture it boots.
type node struct {
	arch Arch
	im   *Image
	vm   *VM
}

// plan gets the image of each architecture (building it if needed, one
// after the other: builds are CPU-bound) and names the VMs: arm64-1,
// arm64-2, armv7-1... An architecture listed twice adds VMs after the first.
func plan(ctx context.Context, o Options) ([]node, error) {
	b := &Builder{Root: o.Cache, Mirror: o.Mirror, Progress: o.Log}
	if b.Root == "" {
		b.Root = CacheRoot()
	}
	var nodes []node
	count := map[string]int{}
	for _, name := range o.Arches {
		a, err := LookupArch(name)
		if err != nil {
			return nil, err
		}
		for _, prog := range []string{a.System, "qemu-img", "mkfs.ext4"} {
			if _, err := exec.LookPath(prog); err != nil {
				return nil, fmt.Errorf("%s: %s is not installed (Debian: qemu-system-arm, qemu-utils, e2fsprogs; make deps)", a.Name, prog)
			}
		}
		var im *Image
		if o.NoBuild {
			im, err = OpenImage(ImageDir(b.Root, a), a)
		} else {
			im, err = b.Image(ctx, a)
		}
		if err != nil {
			return nil, err
		}
		for range o.Nodes {
			count[a.Name]++
			name := a.Name + "-" + strconv.Itoa(count[a.Name])
			nodes = append(nodes, node{a, im, &VM{Name: name, Arch: a.Name, Dir: filepath.Join(o.Dir, name), HostKey: im.Manifest.HostKey}})
		}
	}
	return nodes, nil
}

// waitAll waits for every VM's SSH at once and checks its architecture.
func waitAll(ctx context.Context, nodes []node, signer ssh.Signer, timeout time.Duration, logf func(string, ...any)) error {
	start := time.Now()
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			uname, err := waitSSH(ctx, n.vm, signer, timeout, func(s string) { logf("qemu: %s", s) })
			if err == nil && uname != n.arch.Uname {
				err = fmt.Errorf("%s: uname -m says %q, want %q", n.vm.Name, uname, n.arch.Uname)
			}
			if err != nil {
				errs[i] = err
				return
			}
			logf("qemu: %s answers SSH on %s after %s (%s)", n.vm.Name, n.vm.Addr(), time.Since(start).Round(100*time.Millisecond), uname)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// pickPort returns the i-th VM's SSH port: base+i, which must be free, or
// a free port the kernel chooses when base is 0.
func pickPort(base, i int) (int, error) {
	addr := "127.0.0.1:0"
	if base != 0 {
		addr = "127.0.0.1:" + strconv.Itoa(base+i)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return 0, fmt.Errorf("%w: cannot listen on %s: %v", ErrPortTaken, addr, err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Load reads the testbed that Up left in dir.
func Load(dir string) (*Testbed, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	var tb Testbed
	if err := json.Unmarshal(b, &tb); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, stateFile), err)
	}
	tb.Dir = dir
	return &tb, nil
}

func (tb *Testbed) save() error {
	b, err := json.MarshalIndent(tb, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(tb.Dir, stateFile), append(b, '\n'), 0o644)
}

func (tb *Testbed) running() bool {
	for _, v := range tb.VMs {
		if v.alive() {
			return true
		}
	}
	return false
}

// alive reports whether v's QEMU is still running.
func (v *VM) alive() bool {
	pid, err := readPid(v.PidFile())
	return err == nil && ours(pid, v.PidFile())
}

// Down stops every VM of the testbed and removes their overlays; serial
// logs stay for reading.
func (tb *Testbed) Down() error {
	var errs []error
	for _, v := range tb.VMs {
		if err := stopWatch(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.Name, err))
		}
		if err := stopPid(v.PidFile(), 10*time.Second); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", v.Name, err))
			continue
		}
		os.Remove(filepath.Join(v.Dir, overlayFile))
		os.Remove(filepath.Join(v.Dir, seedFile))
		os.Remove(v.BootImage())
	}
	return errors.Join(errs...)
}

// Kill ends the named VM at once, like a node losing power.
func (tb *Testbed) Kill(name string) error {
	for _, v := range tb.VMs {
		if v.Name == name {
			return killPid(v.PidFile())
		}
	}
	return fmt.Errorf("qemu testbed %s has no VM %q", tb.Dir, name)
}

// Down stops the testbed in dir. A directory without a testbed is not an
// error: there is nothing to stop.
func Down(dir string) error {
	tb, err := Load(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return tb.Down()
}
