package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// LoadImage copies the image ref from the host's engine into every node's
// own dockerd (docker save, then docker load over each node's SSH), since
// no node can pull from a registry. The saved image is spooled to a
// temporary file once and streamed to the nodes in parallel.
func LoadImage(ctx context.Context, tb *Testbed, ref string) error {
	rc, err := tb.cli.ImageSave(ctx, []string{ref})
	if err != nil {
		return fmt.Errorf("saving image %s: %w", ref, err)
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "edgerig-testbed-image-*.tar")
	if err != nil {
		return fmt.Errorf("saving image %s: %w", ref, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.Copy(f, rc); err != nil {
		return fmt.Errorf("saving image %s: %w", ref, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(tb.Nodes))
	for i, n := range tb.Nodes {
		wg.Go(func() {
			r := io.NewSectionReader(f, 0, 1<<62)
			if _, err := tb.Run(ctx, n.Name, r, "docker", "load", "--quiet"); err != nil {
				errs[i] = fmt.Errorf("loading image %s into %s: %w", ref, n.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
