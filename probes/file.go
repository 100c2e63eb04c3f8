package probes

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// statFile is a kernel text file kept open and re-read with pread at offset
// 0 on every tick. procfs and cgroupfs regenerate their content on each read
// from offset 0, so reusing the descriptor is correct and saves an open and a
// close per file per tick (about half the probe's cost on a Pi).
type statFile struct {
	path string
	f    *os.File
	fd   int // f's descriptor, taken once (os.File.Fd is not free)
	buf  []byte
}

func openStat(path string) (*statFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &statFile{path: path, f: f, fd: int(f.Fd())}, nil
}

// read returns the whole file content; the slice is valid until the next
// read. The buffer grows when a read fills it, so a file larger than it (a
// 64-core /proc/stat) is still read whole.
//
// One pread at offset 0 suffices: procfs, sysfs and cgroupfs generate the
// whole content into a read that has room for it. os.File.ReadAt would
// read again at the end offset to see EOF, and a seq_file (cpuacct.usage,
// memory.stat) regenerates its whole content to answer that second read:
// it doubled the probe's kernel time per container.
func (s *statFile) read() ([]byte, error) { return s.readInto(&s.buf) }

// readInto is read with a buffer the caller keeps, grown as read grows its
// own: the containers' hundred-odd small files share one, which stays in
// the CPU's cache between reads where a buffer each would not (and costs
// no 4 KiB per file).
func (s *statFile) readInto(buf *[]byte) ([]byte, error) {
	if len(*buf) == 0 {
		*buf = make([]byte, 4096)
	}
	for {
		n, err := pread(s.fd, *buf)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", s.path, err)
		}
		if n < len(*buf) {
			return (*buf)[:n], nil
		}
		*buf = make([]byte, 2*len(*buf))
	}
}

// pread reads at offset 0, retrying when a signal interrupts it.
//
// It is a raw system call: it does not tell the Go scheduler that the
// thread may block. A pread of procfs, sysfs or cgroupfs returns in
// microseconds, and announcing each of a tick's hundred-odd reads made the
// runtime's monitor thread hand the processor to another thread and back
// (futex wake-ups and context switches costing more than the reads). With
// an offset of 0 the argument registers are the same on every Linux ABI,
// including 32-bit ARM's split, pair-aligned 64-bit offset.
func pread(fd int, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, _, errno := syscall.RawSyscall6(syscall.SYS_PREAD64, uintptr(fd), uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), 0, 0, 0)
		switch errno {
		case 0:
			return int(n), nil
		case syscall.EINTR:
			continue
		default:
			return 0, errno
		}
	}
}

func (s *statFile) close() error {
	if s == nil || s.f == nil {
		return nil
	}
	err := s.f.Close()
	s.f = nil
	return err
}

// counter is a number the kernel keeps in a file (the last PID it handed
// out, the count of cgroups) that moves whenever a periodic scan could find
// something new: one pread tells whether the scan, many syscalls, is worth
// running.
type counter struct {
	f     *statFile // nil when the file cannot be opened: it always moved
	parse func([]byte) (uint64, bool)
	last  uint64
}

func openCounter(path string, parse func([]byte) (uint64, bool)) counter {
	f, _ := openStat(path)
	return counter{f: f, parse: parse}
}

// moved reads the number and says whether it differs from the previous
// reading. A file that cannot be read or parsed counts as moved, so that
// the scan runs.
func (c *counter) moved() bool {
	if c.f == nil {
		return true
	}
	b, err := c.f.read()
	if err != nil {
		return true
	}
	v, ok := c.parse(b)
	if !ok {
		return true
	}
	moved := v != c.last
	c.last = v
	return moved
}

func (c *counter) close() {
	c.f.close()
	c.f = nil
}

// readFileOnce reads a small file that is not on the hot path.
func readFileOnce(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
