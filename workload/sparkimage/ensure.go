package sparkimage

import (
	"context"
	"errors"
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

	"github.com/edgerig/edgerig/internal/cache"
	"github.com/edgerig/edgerig/testbed/containers"
	"github.com/edgerig/edgerig/transport/local"
	"github.com/edgerig/edgerig/workload/install"
)

// Options say which image to make and where to keep what it is made of.
type Options struct {
	Arch     string    // amd64, arm64 or armv7
	CacheDir string    // "" means edgerig's cache directory
	Mirror   string    // Debian mirror; "" means the one this machine's APT uses
	Progress io.Writer // human progress; nil discards it
}

// Ensure makes sure the image for o.Arch exists in the engine behind cli
// and returns its reference. In order of cost it reuses the tagged image,
// imports the cached root filesystem with the word count's parts added, or
// debootstraps a new root filesystem (minutes; many more for an ARM one,
// built under qemu-user). Concurrent callers on one machine wait for each
// other's build of the same architecture; different architectures build
// side by side.
func Ensure(ctx context.Context, cli *client.Client, o Options) (string, error) {
	a, err := LookupArch(o.Arch)
	if err != nil {
		return "", err
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	dir := cacheDir(o.CacheDir)
	ref := Ref(a)
	if ok, err := imageExists(ctx, cli, a, ref, o.Progress); err != nil || ok {
		return ref, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "spark-image"), 0o755); err != nil {
		return "", fmt.Errorf("sparkimage: cache: %w", err)
	}
	unlock, err := lockFile(ctx, filepath.Join(dir, "spark-image", a.Name+".lock"), o.Progress)
	if err != nil {
		return "", err
	}
	defer unlock()
	if ok, err := imageExists(ctx, cli, a, ref, o.Progress); err != nil || ok {
		return ref, err // another process made it while we waited
	}
	tarball := rootfsPath(dir, a)
	if _, err := os.Stat(tarball); errors.Is(err, os.ErrNotExist) {
		if o.Mirror == "" {
			if o.Mirror, err = containers.DetectMirror("/", Suite); err != nil {
				return "", err
			}
		}
		how := "natively"
		if a.Binfmt != "" {
			how = "under qemu-user"
		}
		fmt.Fprintf(o.Progress, "sparkimage: building the %s root filesystem with debootstrap %s from %s (minutes, once)\n", a.Name, how, o.Mirror)
		b, err := buildRootfs(ctx, a, tarball, o.Mirror, o.Progress)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(o.Progress, "sparkimage: %s root filesystem built %s in %s (%.0f MB tarball, load %s); record %s\n",
			a.Name, how, b.Duration.Round(time.Second), float64(b.Bytes)/1e6, b.Load, recordPath(tarball))
	} else if err != nil {
		return "", fmt.Errorf("sparkimage: cache: %w", err)
	}
	// The Hadoop jars and PySpark come from the host's install caches,
	// filled here if they are not yet (quick when they are).
	work, err := os.MkdirTemp("", "edgerig-sparkimage-")
	if err != nil {
		return "", fmt.Errorf("sparkimage: %w", err)
	}
	defer os.RemoveAll(work)
	hp, err := install.Install(ctx, local.New("localhost"), work, o.Progress)
	if err != nil {
		return "", fmt.Errorf("sparkimage: the host's Hadoop jars and PySpark: %w", err)
	}
	start := time.Now()
	fmt.Fprintf(o.Progress, "sparkimage: loading %s with the Hadoop jars and PySpark as %s (%s)\n", tarball, ref, a.Platform)
	if err := loadImage(ctx, cli, a, tarball, work, ref, parts{Jars: hp.Jars, SitePackages: filepath.Dir(hp.SparkHome)}); err != nil {
		return "", err
	}
	size := ""
	if ins, err := cli.ImageInspect(ctx, ref); err == nil {
		size = fmt.Sprintf(", %.0f MB", float64(ins.Size)/1e6)
	}
	fmt.Fprintf(o.Progress, "sparkimage: loaded %s (%s%s)\n", ref, time.Since(start).Round(100*time.Millisecond), size)
	prune(ctx, cli, a, ref, o.Progress)
	return ref, nil
}

func cacheDir(dir string) string {
	if dir == "" {
		return cache.Dir()
	}
	return dir
}

// rootfsPath is where a's root filesystem tarball is cached.
func rootfsPath(dir string, a Arch) string {
	return filepath.Join(dir, "spark-image", "rootfs-"+a.Name+"-"+RootfsKey(a)+".tar")
}

// prune removes a's images of earlier recipes that no container uses (an
// image in use is refused by the engine and left alone).
func prune(ctx context.Context, cli *client.Client, a Arch, keep string, progress io.Writer) {
	imgs, err := cli.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", Repository))})
	if err != nil {
		return
	}
	for _, img := range imgs {
		for _, tag := range img.RepoTags {
			if tag == keep || !strings.HasPrefix(tag, Repository+":"+a.Name+"-") {
				continue
			}
			if _, err := cli.ImageRemove(ctx, tag, image.RemoveOptions{}); err == nil {
				fmt.Fprintf(progress, "sparkimage: removed the outdated image %s\n", tag)
			}
		}
	}
}

// imageExists reports whether ref is in the engine for a's architecture.
// One tagged for another (an earlier edgerig imported ARM images as the
// engine's own architecture) is removed so that it is made again.
func imageExists(ctx context.Context, cli *client.Client, a Arch, ref string, progress io.Writer) (bool, error) {
	ins, err := cli.ImageInspect(ctx, ref)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("sparkimage: inspecting image %s: %w", ref, err)
	}
	want := imageConfig(a, "", time.Time{})
	if ins.Architecture == want.Architecture && ins.Os == want.OS {
		return true, nil
	}
	fmt.Fprintf(progress, "sparkimage: %s says it is for %s/%s, not %s: making it again\n", ref, ins.Os, ins.Architecture, a.Platform)
	if _, err := cli.ImageRemove(ctx, ref, image.RemoveOptions{}); err != nil {
		return false, fmt.Errorf("sparkimage: removing %s, made for the wrong architecture (%s): %w; remove it with docker rmi once no container uses it", ref, ins.Architecture, err)
	}
	return false, nil
}

// lockFile takes an exclusive flock on path, waiting for another build
// until ctx ends, so that two builds never debootstrap into each other.
func lockFile(ctx context.Context, path string, progress io.Writer) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("sparkimage: lock: %w", err)
	}
	said := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("sparkimage: lock %s: %w", path, err)
		}
		if !said {
			fmt.Fprintf(progress, "sparkimage: waiting for another build holding %s\n", path)
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("sparkimage: waiting for the build holding %s: %w", path, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
