package sparkimage

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/edgerig/edgerig/fixtures/sparkjob"
)

// parts are the host's copies of what the layer adds to the root
// filesystem (install's caches).
type parts struct {
	Jars         string // directory of the Hadoop jars
	SitePackages string // the venv's site-packages holding pyspark and py4j
}

// pythonPackages are copied from the host's venv. They are pure Python
// (PySpark's JVM side is jars), so the amd64 host's copies serve every
// architecture and nothing is pip-installed under emulation.
var pythonPackages = []string{"pyspark", "py4j"}

// writeLayer copies the root filesystem tarball r to w and appends the word
// count's parts at Paths: the Hadoop jars, pyspark and py4j with their
// metadata, the job files, and the .pth file that puts pythonDir on
// python3's path.
func writeLayer(r io.Reader, w io.Writer, p parts) error {
	tr := tar.NewReader(r)
	tw := &dedupWriter{Writer: tar.NewWriter(w), seen: map[string]bool{}}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("sparkimage: reading the root filesystem tarball: %w", err)
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("sparkimage: writing the layer: %s: %w", h.Name, err)
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return fmt.Errorf("sparkimage: writing the layer: %s: %w", h.Name, err)
		}
	}
	now := time.Now()
	for _, d := range []string{"/opt", "/opt/edgerig", "/opt/edgerig/hadoop", path.Dir(Paths.Job), pythonDir} {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(d, "/") + "/", Mode: 0o755, ModTime: now}); err != nil && err != errSkip {
			return fmt.Errorf("sparkimage: tar %s: %w", d, err)
		}
	}
	if err := addTree(tw, p.Jars, Paths.Jars, nil); err != nil {
		return err
	}
	ents, err := os.ReadDir(p.SitePackages)
	if err != nil {
		return fmt.Errorf("sparkimage: the host's PySpark: %w", err)
	}
	found := map[string]bool{}
	for _, e := range ents {
		for _, pkg := range pythonPackages {
			if e.Name() == pkg || strings.HasPrefix(e.Name(), pkg+"-") && strings.HasSuffix(e.Name(), ".dist-info") {
				found[e.Name()] = true
				if err := addTree(tw, filepath.Join(p.SitePackages, e.Name()), path.Join(pythonDir, e.Name()), mustBePure); err != nil {
					return err
				}
			}
		}
	}
	for _, pkg := range pythonPackages {
		if !found[pkg] {
			return fmt.Errorf("sparkimage: %s has no %s package (run the word count's install, which makes the venv)", p.SitePackages, pkg)
		}
	}
	for _, f := range []struct {
		path string
		data []byte
	}{
		{Paths.Job, sparkjob.WordCount},
		{Paths.Stamp, sparkjob.Stamp},
		{pthPath, []byte(pythonDir + "\n")},
	} {
		h := &tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(f.path, "/"), Mode: 0o644, Size: int64(len(f.data)), ModTime: now}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("sparkimage: tar %s: %w", f.path, err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return fmt.Errorf("sparkimage: tar %s: %w", f.path, err)
		}
	}
	return tw.Close()
}

// dedupWriter writes a tar stream in which no path is written twice (the
// engine refuses such a stream): a directory the root filesystem already
// has (/opt) is not written again, and a file that would replace one of
// its files is an error.
type dedupWriter struct {
	*tar.Writer
	seen map[string]bool
}

// errSkip is returned for a directory that is there already; the caller
// writes no content for it.
var errSkip = errors.New("already there")

func (d *dedupWriter) WriteHeader(h *tar.Header) error {
	name := strings.Trim(path.Clean("/"+h.Name), "/")
	if d.seen[name] {
		if h.Typeflag == tar.TypeDir {
			return errSkip
		}
		return fmt.Errorf("the root filesystem has %s already", name)
	}
	d.seen[name] = true
	return d.Writer.WriteHeader(h)
}

// addTree appends the host tree src as dst, each regular file passed to
// check first when check is not nil.
func addTree(tw *dedupWriter, src, dst string, check func(path string, head []byte) error) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("sparkimage: reading %s: %w", p, err)
		}
		rel, _ := filepath.Rel(src, p)
		name := strings.TrimPrefix(path.Join(dst, filepath.ToSlash(rel)), "/")
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("sparkimage: %w", err)
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return fmt.Errorf("sparkimage: %w", err)
			}
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return fmt.Errorf("sparkimage: %s: %w", p, err)
		}
		h.Name, h.Uid, h.Gid, h.Uname, h.Gname = name, 0, 0, "", ""
		if d.IsDir() {
			h.Name += "/"
		}
		if !info.Mode().IsRegular() {
			if err := tw.WriteHeader(h); err != nil && err != errSkip {
				return fmt.Errorf("sparkimage: tar %s: %w", name, err)
			}
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("sparkimage: %w", err)
		}
		defer f.Close()
		head := make([]byte, 4)
		n, _ := io.ReadFull(f, head)
		if check != nil {
			if err := check(p, head[:n]); err != nil {
				return err
			}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fmt.Errorf("sparkimage: %w", err)
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("sparkimage: tar %s: %w", name, err)
		}
		if _, err := io.Copy(tw, f); err != nil {
			return fmt.Errorf("sparkimage: tar %s: %w", name, err)
		}
		return nil
	})
}

// mustBePure refuses native code: a shared object built for the host
// would not load on another architecture. Jars are the JVM's business (the
// native libraries some carry are chosen at run time by architecture).
func mustBePure(p string, head []byte) error {
	if strings.HasSuffix(p, ".jar") {
		return nil
	}
	if bytes.HasPrefix(head, []byte("\x7fELF")) || strings.HasSuffix(p, ".so") || strings.Contains(filepath.Base(p), ".so.") {
		return fmt.Errorf("sparkimage: %s is compiled code; only pure-Python packages can be copied into an image for another architecture", p)
	}
	return nil
}

// readJSONStream drains a Docker progress stream and returns the first
// error message in it.
func readJSONStream(r io.Reader, what string) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: reading the engine's answer: %w", what, err)
		}
		if m.Error != "" {
			return fmt.Errorf("%s: %s", what, m.Error)
		}
	}
}
