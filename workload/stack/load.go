package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/transport"
)

// Saver writes an image as `docker save` does (this machine's engine).
type Saver interface {
	ImageSave(ctx context.Context, refs []string, opts ...client.ImageSaveOption) (io.ReadCloser, error)
}

// Target is a host to load an image onto.
type Target struct {
	Name string
	T    transport.Transport
}

// Load puts the image ref onto every target that lacks it: no node pulls
// from a registry, so the image is saved from this machine's engine once
// (spooled to a temporary file) and streamed to each host's `docker load`
// over its transport, in parallel. Hosts that have it already are skipped.
func Load(ctx context.Context, src Saver, ref string, targets []Target, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	var need []Target
	for _, t := range targets {
		if err := t.T.Run(ctx, transport.Cmd{Args: []string{"docker", "image", "inspect", "--format", "{{.Id}}", ref}}); err != nil {
			need = append(need, t)
		}
	}
	if len(need) == 0 {
		return nil
	}
	start := time.Now()
	rc, err := src.ImageSave(ctx, []string{ref})
	if err != nil {
		return fmt.Errorf("stack: save image %s: %w", ref, err)
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "edgerig-stack-image-*.tar")
	if err != nil {
		return fmt.Errorf("stack: save image %s: %w", ref, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	size, err := io.Copy(f, rc)
	if err != nil {
		return fmt.Errorf("stack: save image %s: %w", ref, err)
	}
	fmt.Fprintf(progress, "edgerig: loading image %s (%.0f MB) onto %d host(s)\n", ref, float64(size)/1e6, len(need))
	var wg sync.WaitGroup
	errs := make([]error, len(need))
	for i, t := range need {
		wg.Go(func() {
			var tail transport.Tail
			r := io.NewSectionReader(f, 0, size)
			if err := t.T.Run(ctx, transport.Cmd{Args: []string{"docker", "load", "--quiet"}, Stdin: r, Stderr: &tail}); err != nil {
				errs[i] = fmt.Errorf("stack: load image %s onto %s: %w %s", ref, t.Name, err, tail.String())
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(progress, "edgerig: image loaded in %.1fs\n", time.Since(start).Seconds())
	return nil
}
