package containers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"

	"github.com/edgerig/edgerig/fixtures/testbed/nodeimage"
	"github.com/edgerig/edgerig/internal/cache"
)

// ImageVersion names the node image's recipe. Bump it when the image must
// change for a reason the hashed inputs (suite, packages, node files) do not
// show, e.g. a change in how the root filesystem is post-processed.
const ImageVersion = "1"

// Suite is the Debian release of the node's root filesystem.
const Suite = "bookworm"

// Packages are installed into the node's root filesystem on top of
// debootstrap's minbase: sshd for the runner, Docker for the orchestrators,
// the tools the fault injection and probes use, and what a kubelet needs
// beside Docker: containerd (run as a second, CRI-enabled instance), the
// CNI plugins and conntrack (for kube-proxy).
var Packages = []string{"openssh-server", "docker.io", "iproute2", "procps", "iptables", "ca-certificates",
	"containerd", "containernetworking-plugins", "conntrack"}

// ImageRepository is the local repository of node images; the tag is the
// image key.
const ImageRepository = "edgerig-node"

// CacheDir is where slow-to-build things are kept between runs:
// $EDGERIG_CACHE, else ~/.cache/edgerig.
func CacheDir() string { return cache.Dir() }

// RootfsKey identifies the debootstrapped root filesystem: only what
// debootstrap is given. The mirror is left out on purpose: any mirror
// serves the same packages.
func RootfsKey() string {
	return hashOf("rootfs", ImageVersion, Suite, "minbase", strings.Join(Packages, ","))
}

// ImageKey identifies the node image: the root filesystem plus the files
// edgerig adds to it. A change to the entrypoint builds a new image from
// the cached root filesystem, without a new debootstrap.
func ImageKey() string {
	return hashOf("image", RootfsKey(), string(nodeimage.Entrypoint), string(nodeimage.SSHDConfig))
}

// ImageRef is the tag of the node image for the current recipe.
func ImageRef() string { return ImageRepository + ":" + ImageKey() }

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s;", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// ImageOptions say where and how to build the node image.
type ImageOptions struct {
	CacheDir string    // "" means CacheDir()
	Mirror   string    // "" means DetectMirror("/", Suite)
	Progress io.Writer // human progress; nil discards it
}

// EnsureImage makes sure the node image exists in the engine behind cli and
// returns its reference. In order of cost it reuses the tagged image, imports
// the cached root filesystem tarball, or debootstraps a new one (minutes).
// Concurrent callers on one machine wait for each other's build.
func EnsureImage(ctx context.Context, cli *client.Client, o ImageOptions) (string, error) {
	if o.CacheDir == "" {
		o.CacheDir = CacheDir()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	ref := ImageRef()
	if ok, err := imageExists(ctx, cli, ref); err != nil || ok {
		return ref, err
	}
	dir := filepath.Join(o.CacheDir, "node-image")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("node image cache: %w", err)
	}
	unlock, err := lockFile(filepath.Join(dir, ".lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if ok, err := imageExists(ctx, cli, ref); err != nil || ok {
		return ref, err // another process built it while we waited
	}
	tarball := filepath.Join(dir, RootfsKey()+".tar")
	if _, err := os.Stat(tarball); os.IsNotExist(err) {
		if o.Mirror == "" {
			if o.Mirror, err = DetectMirror("/", Suite); err != nil {
				return "", err
			}
		}
		start := time.Now()
		fmt.Fprintf(o.Progress, "testbed: building the node root filesystem with debootstrap from %s (takes minutes, once)\n", o.Mirror)
		if err := buildRootfs(ctx, tarball, o.Mirror, o.Progress); err != nil {
			return "", err
		}
		fmt.Fprintf(o.Progress, "testbed: root filesystem cached as %s (%.1fs)\n", tarball, time.Since(start).Seconds())
	} else if err != nil {
		return "", fmt.Errorf("node image cache: %w", err)
	}
	start := time.Now()
	fmt.Fprintf(o.Progress, "testbed: importing %s as %s\n", tarball, ref)
	if err := importImage(ctx, cli, tarball, ref); err != nil {
		return "", err
	}
	fmt.Fprintf(o.Progress, "testbed: imported %s (%.1fs)\n", ref, time.Since(start).Seconds())
	pruneImages(ctx, cli, ref, o.Progress)
	return ref, nil
}

// pruneImages removes the node images of earlier recipes (410 MB each) that
// no container uses any more; an image still in use is left alone.
func pruneImages(ctx context.Context, cli *client.Client, keep string, progress io.Writer) {
	imgs, err := cli.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", ImageRepository))})
	if err != nil {
		return
	}
	for _, img := range imgs {
		for _, tag := range img.RepoTags {
			if tag == keep || !strings.HasPrefix(tag, ImageRepository+":") {
				continue
			}
			if _, err := cli.ImageRemove(ctx, tag, image.RemoveOptions{}); err == nil {
				fmt.Fprintf(progress, "testbed: removed the outdated node image %s\n", tag)
			}
		}
	}
}

func imageExists(ctx context.Context, cli *client.Client, ref string) (bool, error) {
	_, err := cli.ImageInspect(ctx, ref)
	if err == nil {
		return true, nil
	}
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("inspecting image %s: %w", ref, err)
}

// importImage streams the cached root filesystem, with the node's files
// added and its build-time host keys removed, into the engine as ref.
func importImage(ctx context.Context, cli *client.Client, tarball, ref string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("opening %s: %w", tarball, err)
	}
	defer f.Close()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(nodeLayer(f, pw)) }()
	defer pr.Close()
	resp, err := cli.ImageImport(ctx, image.ImportSource{Source: pr, SourceName: "-"}, ref, image.ImportOptions{
		Changes: []string{
			`ENTRYPOINT ["` + nodeimage.EntrypointPath + `"]`,
			"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"LABEL edgerig.node-image=" + ImageKey(),
		},
	})
	if err != nil {
		return fmt.Errorf("importing %s as %s: %w", tarball, ref, err)
	}
	defer resp.Close()
	return readJSONStream(resp, "importing "+ref)
}

// readJSONStream drains a Docker progress stream and returns the first
// error message in it.
func readJSONStream(r io.Reader, what string) error {
	dec := json.NewDecoder(r)
	for {
		var m struct {
			Error       string `json:"error"`
			ErrorDetail struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
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

// lockFile takes an exclusive flock on path, so that two builds of the same
// cache do not debootstrap into each other.
func lockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("node image lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("node image lock %s: %w", path, err)
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
