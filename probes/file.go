package probes

import (
	"fmt"
	"os"
	"syscall"
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
	return &statFile{path: path, f: f, fd: int(f.Fd()), buf: make([]byte, 4096)}, nil
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
func (s *statFile) read() ([]byte, error) {
	for {
		n, err := pread(s.fd, s.buf)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", s.path, err)
		}
		if n < len(s.buf) {
			return s.buf[:n], nil
		}
		s.buf = make([]byte, 2*len(s.buf))
	}
}

// pread reads at offset 0, retrying when a signal interrupts it.
func pread(fd int, b []byte) (int, error) {
	for {
		n, err := syscall.Pread(fd, b, 0)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return 0, err
		}
		return n, nil
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

// readFileOnce reads a small file that is not on the hot path.
func readFileOnce(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
