// Package loadimage builds the FROM scratch image that runs the burn helper
// (probes/internal/burn) and starts labelled containers from it, for the
// probe's accuracy tests and its overhead benchmark. No image can be pulled
// on the machines edgerig is tested on, so the image is built locally from a
// static Go binary through the Docker API's classic builder.
package loadimage

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// Label marks everything this package creates, so that cleanup removes only
// what the probe's tests made on an engine shared with other work.
const Label = "edgerig-test"

// BuildBinary compiles the burn helper statically for the host into dir.
func BuildBinary(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "burn")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "github.com/edgerig/edgerig/probes/internal/burn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build burn helper: %w\n%s", err, b)
	}
	return out, nil
}

// Build makes the image edgerig-test-probes-burn:<hash of binary> unless it
// is already there, and returns its tag.
func Build(ctx context.Context, cli *client.Client, binary, owner string) (string, error) {
	bin, err := os.ReadFile(binary)
	if err != nil {
		return "", fmt.Errorf("burn image: %w", err)
	}
	sum := sha256.Sum256(bin)
	tag := "edgerig-test-probes-burn:" + hex.EncodeToString(sum[:6])
	if _, err := cli.ImageInspect(ctx, tag); err == nil {
		return tag, nil
	}
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	dockerfile := []byte("FROM scratch\nCOPY burn /burn\nENTRYPOINT [\"/burn\"]\n")
	for _, f := range []struct {
		name string
		mode int64
		data []byte
	}{{"Dockerfile", 0o644, dockerfile}, {"burn", 0o755, bin}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: f.mode, Size: int64(len(f.data))}); err != nil {
			return "", fmt.Errorf("burn image: %w", err)
		}
		if _, err := tw.Write(f.data); err != nil {
			return "", fmt.Errorf("burn image: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return "", fmt.Errorf("burn image: %w", err)
	}
	resp, err := cli.ImageBuild(ctx, &ctxTar, build.ImageBuildOptions{
		Tags: []string{tag}, Remove: true, ForceRemove: true, Version: build.BuilderV1,
		Labels: map[string]string{Label: owner},
	})
	if err != nil {
		return "", fmt.Errorf("burn image %s: %w", tag, err)
	}
	defer resp.Body.Close()
	dec := json.NewDecoder(resp.Body)
	for {
		var msg struct {
			Error string `json:"error"`
		}
		if err := dec.Decode(&msg); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return "", fmt.Errorf("burn image %s: %w", tag, err)
		}
		if msg.Error != "" {
			return "", fmt.Errorf("burn image %s: %s", tag, msg.Error)
		}
	}
	return tag, nil
}

// RemoveImage removes the image made by Build.
func RemoveImage(ctx context.Context, cli *client.Client, tag string) error {
	_, err := cli.ImageRemove(ctx, tag, image.RemoveOptions{Force: true, PruneChildren: true})
	return err
}

// Run starts a container named name from img with args, labelled with
// owner, and returns its full ID.
func Run(ctx context.Context, cli *client.Client, img, name, owner string, hc *container.HostConfig, args ...string) (string, error) {
	if hc == nil {
		hc = &container.HostConfig{}
	}
	hc.NetworkMode = "none"
	cr, err := cli.ContainerCreate(ctx, &container.Config{Image: img, Cmd: args, Labels: map[string]string{Label: owner}}, hc, nil, nil, name)
	if err != nil {
		return "", fmt.Errorf("create container %s: %w", name, err)
	}
	if err := cli.ContainerStart(ctx, cr.ID, container.StartOptions{}); err != nil {
		_ = Remove(ctx, cli, cr.ID)
		return "", fmt.Errorf("start container %s: %w", name, err)
	}
	return cr.ID, nil
}

// Remove force-removes a container.
func Remove(ctx context.Context, cli *client.Client, id string) error {
	return cli.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
}

// RemoveAll removes every container labelled with owner (left over by a
// test or benchmark that was killed).
func RemoveAll(ctx context.Context, cli *client.Client, owner string) error {
	list, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: filters.NewArgs(filters.Arg("label", Label+"="+owner))})
	if err != nil {
		return fmt.Errorf("list containers %s=%s: %w", Label, owner, err)
	}
	var errs []error
	for _, c := range list {
		errs = append(errs, Remove(ctx, cli, c.ID))
	}
	return errors.Join(errs...)
}
