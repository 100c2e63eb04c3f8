package containers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
)

// Down removes every container, network and volume of the testbed recorded
// in dir, found by its label so that what an interrupted Up made is removed
// too, and what is already gone is no error. Then it removes the files Up
// wrote into dir.
func Down(ctx context.Context, cli *client.Client, dir string, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	st, err := readState(dir)
	if err != nil {
		return err
	}
	if err := RemoveByLabel(ctx, cli, st.ID, progress); err != nil {
		return err
	}
	var errs []error
	for _, f := range []string{HostsFile, KnownHostsFile, IdentityFile, IdentityFile + ".pub", StateFile} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !os.IsNotExist(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RemoveByLabel removes the containers (with their anonymous volumes), then
// the networks, then the named volumes labelled edgerig.testbed=id.
func RemoveByLabel(ctx context.Context, cli *client.Client, id string, progress io.Writer) error {
	if progress == nil {
		progress = io.Discard
	}
	f := filters.NewArgs(filters.Arg("label", LabelTestbed+"="+id))
	var errs []error
	cs, err := cli.ContainerList(ctx, container.ListOptions{All: true, Filters: f})
	if err != nil {
		return fmt.Errorf("testbed %s: listing containers: %w", id, err)
	}
	for _, c := range cs {
		err := cli.ContainerRemove(ctx, c.ID, container.RemoveOptions{Force: true, RemoveVolumes: true})
		if err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("testbed %s: removing container %s: %w", id, name(c.Names, c.ID), err))
			continue
		}
		fmt.Fprintf(progress, "testbed %s: removed container %s\n", id, name(c.Names, c.ID))
	}
	ns, err := cli.NetworkList(ctx, network.ListOptions{Filters: f})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("testbed %s: listing networks: %w", id, err))...)
	}
	for _, n := range ns {
		if err := cli.NetworkRemove(ctx, n.ID); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("testbed %s: removing network %s: %w", id, n.Name, err))
			continue
		}
		fmt.Fprintf(progress, "testbed %s: removed network %s\n", id, n.Name)
	}
	vs, err := cli.VolumeList(ctx, volume.ListOptions{Filters: f})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("testbed %s: listing volumes: %w", id, err))...)
	}
	for _, v := range vs.Volumes {
		if err := cli.VolumeRemove(ctx, v.Name, true); err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("testbed %s: removing volume %s: %w", id, v.Name, err))
			continue
		}
		fmt.Fprintf(progress, "testbed %s: removed volume %s\n", id, v.Name)
	}
	return errors.Join(errs...)
}

func name(names []string, id string) string {
	if len(names) > 0 {
		return names[0][1:]
	}
	return id[:12]
}
