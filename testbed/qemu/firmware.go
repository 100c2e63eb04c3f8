package qemu

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A Raspberry Pi boots the kernel with the command line its firmware reads
// from cmdline.txt on a small FAT boot partition, mounted by Raspberry Pi
// OS at /boot/firmware. Each VM plays that part: it gets a FAT disk of its
// own holding cmdline.txt (the image's fstab mounts it at /boot/firmware),
// and the kernel is booted with what that file says, read with mtools
// without mounting. QEMU runs with -no-reboot, so a guest that reboots
// ends QEMU; a small watcher then starts it again with the file read
// afresh, so that a change made over SSH takes effect at the next boot,
// exactly as on a Pi.
const (
	bootFile      = "boot.img"
	bootLabel     = "EDGERIGBOOT" // FAT labels are upper case, at most 11 characters
	watchPidFile  = "watch.pid"
	stoppedFile   = "stopped"
	watchLogFile  = "watch.log"
	watchName     = "edgerig-qemu-watch"
	bootSizeBytes = 16 << 20
)

// DefaultCmdline is the kernel command line a VM's cmdline.txt starts with.
const DefaultCmdline = "root=LABEL=" + rootLabel + " rw console=ttyAMA0 net.ifnames=0 panic=5"

// BootImage is the path of v's FAT boot partition image.
func (v *VM) BootImage() string { return filepath.Join(v.Dir, bootFile) }

// makeBoot writes v's boot partition: FAT, holding cmdline.txt.
func makeBoot(ctx context.Context, v *VM) error {
	img := v.BootImage()
	os.Remove(img)
	r := &stepRunner{log: io.Discard}
	if err := r.run(ctx, "mkfs.vfat", "-C", "-n", bootLabel, img, strconv.Itoa(bootSizeBytes/1024)); err != nil {
		return fmt.Errorf("%s: boot partition: %w", v.Name, err)
	}
	tmp := filepath.Join(v.Dir, "cmdline.txt")
	if err := os.WriteFile(tmp, []byte(DefaultCmdline+"\n"), 0o644); err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := r.run(ctx, "mcopy", "-i", img, tmp, "::cmdline.txt"); err != nil {
		return fmt.Errorf("%s: boot partition: %w", v.Name, err)
	}
	return nil
}

// ReadCmdline reads cmdline.txt from v's boot partition as the firmware
// does: its first line only.
func ReadCmdline(ctx context.Context, v *VM) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "mcopy", "-n", "-i", v.BootImage(), "::cmdline.txt", "-")
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: read cmdline.txt from %s: %w: %s", v.Name, v.BootImage(), err, strings.TrimSpace(errb.String()))
	}
	line, _, _ := strings.Cut(out.String(), "\n")
	line = strings.TrimSpace(strings.TrimSuffix(line, "\r"))
	if line == "" {
		return "", fmt.Errorf("%s: cmdline.txt on %s is empty: nothing to boot", v.Name, v.BootImage())
	}
	return line, nil
}

// watchScript relaunches the VM whose directory is $1 after its guest
// rebooted: QEMU is gone and the console's last boot ended with the
// kernel's "reboot: Restarting system". A QEMU killed (a node losing
// power), a guest powered off or a testbed stopped (the stopped file)
// ends the watch instead, as do 50 reboots (a guest rebooting in a loop). The command line is read from the boot partition
// $2 before every start; the rest of the arguments are QEMU's command
// without -append. Each finished boot's console log is kept as
// serial-N.log.
const watchScript = `dir=$1 boot=$2; shift 2
echo $$ > "$dir/watch.pid"
n=0
while [ ! -e "$dir/stopped" ]; do
	sleep 1
	pid=$(cat "$dir/qemu.pid" 2>/dev/null || true)
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then continue; fi
	[ -e "$dir/stopped" ] && break
	grep -q 'reboot: Restarting system' "$dir/serial.log" 2>/dev/null || break
	n=$((n+1))
	[ "$n" -le 50 ] || break # a guest that reboots in a loop is left down
	mv "$dir/serial.log" "$dir/serial-$n.log"
	cmdline=$(mcopy -n -i "$boot" ::cmdline.txt - | head -n 1 | tr -d '\r')
	echo "$(date -u +%FT%TZ) guest rebooted: starting it with: $cmdline"
	"$@" -append "$cmdline" || break
done
rm -f "$dir/watch.pid"
`

// startWatch starts v's watcher, detached: it outlives `testbed up`, as
// the VM does, and Down ends it.
func startWatch(a Arch, im *Image, v *VM) error {
	os.Remove(filepath.Join(v.Dir, stoppedFile))
	log, err := os.OpenFile(filepath.Join(v.Dir, watchLogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	args := append([]string{"-c", watchScript, watchName, v.Dir, v.BootImage(), a.System}, qemuArgsBase(a, im, v)...)
	cmd := exec.Command("sh", args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: start the reboot watcher: %w", v.Name, err)
	}
	go cmd.Wait() // reap it if it ends while this process lives
	return nil
}

// stopWatch marks v stopped and ends its watcher, so that stopping QEMU
// is not taken for a reboot.
func stopWatch(v *VM) error {
	if err := os.WriteFile(filepath.Join(v.Dir, stoppedFile), nil, 0o644); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	pidfile := filepath.Join(v.Dir, watchPidFile)
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return nil // no watcher
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return nil
	}
	cl, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
	if err != nil || !bytes.Contains(cl, []byte(watchName)) || !bytes.Contains(cl, []byte(v.Dir)) {
		return nil // not ours any more
	}
	syscall.Kill(-pid, syscall.SIGTERM) // its group: the shell and its sleep
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err != nil {
			break
		}
	}
	os.Remove(pidfile)
	return nil
}
