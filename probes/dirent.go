package probes

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// dirReader lists a directory's subdirectory names with getdents64 into a
// reused buffer, so that re-listing the few cgroup directories that hold
// containers on every tick costs one syscall and no allocation.
type dirReader struct {
	buf []byte
}

// each calls fn with every subdirectory name of dir (the byte slice is only
// valid during the call).
func (d *dirReader) each(dir string, fn func(name []byte)) error {
	if d.buf == nil {
		d.buf = make([]byte, 32<<10)
	}
	fd, err := syscall.Open(dir, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, &os.PathError{Op: "open", Path: dir, Err: err})
	}
	defer syscall.Close(fd)
	for {
		n, err := syscall.Getdents(fd, d.buf)
		if err != nil {
			return fmt.Errorf("list %s: %w", dir, err)
		}
		if n <= 0 {
			return nil
		}
		parseDirents(d.buf[:n], fn)
	}
}

// parseDirents walks linux_dirent64 records: ino u64, off s64, reclen u16,
// type u8, then the NUL-terminated name.
func parseDirents(b []byte, fn func(name []byte)) {
	const nameOff = 8 + 8 + 2 + 1
	for len(b) >= nameOff {
		reclen := int(*(*uint16)(unsafe.Pointer(&b[16])))
		if reclen < nameOff || reclen > len(b) {
			return
		}
		typ := b[18]
		name := b[nameOff:reclen]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		// cgroupfs fills d_type; DT_UNKNOWN is kept for other filesystems.
		if (typ == syscall.DT_DIR || typ == syscall.DT_UNKNOWN) &&
			!(len(name) == 1 && name[0] == '.') && !(len(name) == 2 && name[0] == '.' && name[1] == '.') {
			fn(name)
		}
		b = b[reclen:]
	}
}

// readAt0 reads the start of the file at the NUL-terminated path into dst
// with openat/read/close and no allocation: the daemon scan reads the comm
// of every new process, thousands per minute on a busy build host, and
// os.ReadFile's buffers and path strings would be most of the probe's
// garbage.
func readAt0(path []byte, dst []byte) (int, error) {
	if len(path) == 0 || path[len(path)-1] != 0 {
		return 0, syscall.EINVAL
	}
	atFDCWD := -100 // AT_FDCWD
	fd, _, errno := syscall.Syscall6(syscall.SYS_OPENAT, uintptr(atFDCWD), uintptr(unsafe.Pointer(&path[0])),
		uintptr(syscall.O_RDONLY|syscall.O_CLOEXEC), 0, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	n, err := syscall.Read(int(fd), dst)
	syscall.Close(int(fd))
	if err != nil {
		return 0, err
	}
	return n, nil
}

// parentDir is a directory that holds container cgroups, kept open so that
// one fstat per tick tells whether it changed: cgroupfs (kernfs) gives a
// directory 2 + its number of subdirectories as its link count, so a
// container created or removed in it changes its nlink. Listing it (open,
// getdents, close, and the kernel formatting every entry) only then is
// most of what watching fifty containers used to cost.
type parentDir struct {
	abs    string
	fd     int    // -1 until opened
	nlink  uint64 // at the last look; 0 before the first
	listed uint64 // the tick it was last listed at
	// wellKnown: one of wellKnownParents, watched even while absent.
	wellKnown bool
}

// changed reports whether the directory's subdirectory count moved since
// the last call, and true whenever that cannot be told (not open yet, a
// filesystem whose directories do not count their subdirectories).
func (p *parentDir) changed() bool {
	if p.fd < 0 {
		fd, err := syscall.Open(p.abs, syscall.O_RDONLY|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
		if err != nil {
			// A usual parent not there (yet): nothing to list. Any other
			// is listed, and the listing drops it as gone.
			return !p.wellKnown
		}
		p.fd = fd
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(p.fd, &st); err != nil {
		p.close()
		return true
	}
	n := uint64(st.Nlink)
	if n == 0 {
		p.close() // removed: the listing finds it gone
		return true
	}
	old := p.nlink
	p.nlink = n
	return n < 2 || n != old
}

func (p *parentDir) close() {
	if p.fd >= 0 {
		syscall.Close(p.fd)
		p.fd = -1
	}
}
