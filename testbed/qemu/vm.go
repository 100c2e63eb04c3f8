package qemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// Labels of the two disks: the kernel and the seed unit find them by label,
// since the order of virtio-mmio disks is not the command line's.
const (
	rootLabel = "edgerig-root"
	seedLabel = "edgerig-seed"
)

// Files in a VM's directory (DIR/NAME).
const (
	overlayFile = "overlay.qcow2"
	seedFile    = "seed.img"
	serialFile  = "serial.log"
	pidFile     = "qemu.pid"
)

// ErrPortTaken is a forwarded SSH port that something else already listens on.
var ErrPortTaken = errors.New("port already taken")

// VM is one emulated host of a testbed.
type VM struct {
	Name    string `json:"name"` // arm64-1: also its host name and its inventory name
	Arch    string `json:"arch"`
	Port    int    `json:"port"`     // SSH, forwarded from 127.0.0.1
	Dir     string `json:"dir"`      // its overlay, seed disk, serial log and pidfile
	HostKey string `json:"host_key"` // the ssh-ed25519 key its sshd presents
}

// Addr is where the VM's SSH answers.
func (v *VM) Addr() string { return "127.0.0.1:" + strconv.Itoa(v.Port) }

// SerialLog is the path of the VM's console log.
func (v *VM) SerialLog() string { return filepath.Join(v.Dir, serialFile) }

// PidFile is the path QEMU writes its process id to.
func (v *VM) PidFile() string { return filepath.Join(v.Dir, pidFile) }

// qemuArgs is the command line that boots v with the kernel command line
// cmdline (see qemuArgsBase).
func qemuArgs(a Arch, im *Image, v *VM, cmdline string) []string {
	return append(qemuArgsBase(a, im, v), "-append", cmdline)
}

// qemuArgsBase is the command line, less -append, that boots v from its overlay: 2 vCPUs and
// 1 GB like a Pi 2/3, user-mode networking restricted to the forwarded SSH
// port on loopback (the guest reaches nothing outside), console on the
// serial log, and -no-reboot with panic=5 so that a kernel or initramfs that
// cannot boot makes QEMU exit instead of hanging. No rootdelay=: Debian's
// initramfs sleeps that long before mounting the root disk, every boot.
func qemuArgsBase(a Arch, im *Image, v *VM) []string {
	return []string{
		"-M", "virt", "-cpu", a.CPU, "-smp", "2", "-m", "1024",
		"-kernel", im.Path(kernelFile), "-initrd", im.Path(initrdFile),
		"-drive", "file=" + filepath.Join(v.Dir, overlayFile) + ",if=virtio,format=qcow2",
		"-drive", "file=" + filepath.Join(v.Dir, seedFile) + ",if=virtio,format=raw,readonly=on",
		"-drive", "file=" + v.BootImage() + ",if=virtio,format=raw",
		"-netdev", "user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:" + strconv.Itoa(v.Port) + "-:22",
		"-device", "virtio-net-device,netdev=n0",
		"-display", "none", "-monitor", "none", "-no-reboot",
		"-serial", "file:" + v.SerialLog(),
		"-pidfile", v.PidFile(), "-daemonize",
	}
}

// seedFiles is what the guest's edgerig-seed unit applies at boot.
type seedFiles struct {
	hostname       string
	authorizedKeys []byte
	hostKey        []byte // private, OpenSSH format; nil keeps the image's
	hostKeyPub     []byte
}

// prepare makes v's overlay on the image's base and its seed disk.
func prepare(ctx context.Context, im *Image, v *VM, seed seedFiles) error {
	if err := os.MkdirAll(v.Dir, 0o755); err != nil {
		return err
	}
	r := &stepRunner{log: io.Discard}
	overlay := filepath.Join(v.Dir, overlayFile)
	os.Remove(overlay)
	base, err := filepath.Abs(im.Path(baseFile))
	if err != nil {
		return err
	}
	if err := r.run(ctx, "qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, overlay); err != nil {
		return fmt.Errorf("%s: overlay on %s (bad image?): %w", v.Name, base, err)
	}
	sd := filepath.Join(v.Dir, "seed")
	os.RemoveAll(sd)
	if err := os.MkdirAll(sd, 0o700); err != nil {
		return err
	}
	files := map[string][]byte{"hostname": []byte(seed.hostname + "\n"), "authorized_keys": seed.authorizedKeys}
	if seed.hostKey != nil {
		files["ssh_host_ed25519_key"], files["ssh_host_ed25519_key.pub"] = seed.hostKey, seed.hostKeyPub
	}
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(sd, n), b, 0o600); err != nil {
			return err
		}
	}
	img := filepath.Join(v.Dir, seedFile)
	os.Remove(img)
	f, err := os.Create(img)
	if err != nil {
		return err
	}
	err = f.Truncate(8 << 20)
	f.Close()
	if err != nil {
		return err
	}
	if err := r.run(ctx, "mkfs.ext4", "-q", "-L", seedLabel, "-d", sd, img); err != nil {
		return fmt.Errorf("%s: seed disk: %w", v.Name, err)
	}
	if err := os.RemoveAll(sd); err != nil {
		return err
	}
	return makeBoot(ctx, v)
}

// start boots v in the background. QEMU daemonizes once its devices are
// set up, so a port that is taken or a file it cannot open is reported
// here, from its own stderr.
func start(ctx context.Context, a Arch, im *Image, v *VM) error {
	os.Remove(v.SerialLog())
	os.Remove(v.PidFile())
	cmdline, err := ReadCmdline(ctx, v)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, a.System, qemuArgs(a, im, v, cmdline)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(out))
		if strings.Contains(msg, "host forwarding rule") || strings.Contains(msg, "Address already in use") {
			return fmt.Errorf("%s: %w: QEMU cannot forward %s: %s", v.Name, ErrPortTaken, v.Addr(), msg)
		}
		return fmt.Errorf("%s: %s did not start: %w: %s%s", v.Name, a.System, err, msg, serialTail(v))
	}
	if _, err := readPid(v.PidFile()); err != nil {
		return fmt.Errorf("%s: %s started but %w", v.Name, a.System, err)
	}
	return nil
}

// serialTail is the last lines of v's console, for error messages: what
// the guest said last is usually why it did not come up.
func serialTail(v *VM) string {
	b, err := os.ReadFile(v.SerialLog())
	if err != nil {
		return "\nserial log " + v.SerialLog() + ": " + err.Error()
	}
	s := ansi.ReplaceAllString(strings.ReplaceAll(string(b), "\r", ""), "")
	if strings.TrimSpace(s) == "" {
		return "\nserial log " + v.SerialLog() + " is empty (the kernel never printed: bad kernel?)"
	}
	cause := ""
	for _, line := range strings.Split(s, "\n") {
		// A panic's cause comes before its call trace, which fills the tail.
		if strings.Contains(line, "Kernel panic") || strings.Contains(line, "ALERT!") {
			cause = "\nthe guest said: " + strings.TrimSpace(line)
			break
		}
	}
	return cause + "\nlast lines of the serial log " + v.SerialLog() + ":\n" + lastLines([]byte(s), 20)
}
