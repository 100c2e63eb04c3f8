package swarm

import (
	"context"
	"fmt"

	"github.com/docker/docker/api/types/volume"
	"github.com/docker/docker/errdefs"
)

// MarkerVolume is the volume the driver creates in a node's engine before
// it inits or joins a swarm there, and removes once the node has left: a
// swarm found with it on a node is edgerig's (an interrupted run's), one
// found without it is someone else's. A volume, unlike a label on the
// swarm, can be read on a worker too (only managers can inspect the swarm).
const MarkerVolume = "edgerig-swarm-marker"

// MarkerLabel labels the marker volume and the swarms the driver inits.
const MarkerLabel = "edgerig.orchestrator"

func mark(ctx context.Context, n node) error {
	_, err := n.docker.VolumeCreate(ctx, volume.CreateOptions{Name: MarkerVolume, Labels: map[string]string{MarkerLabel: "swarm"}})
	if err != nil {
		return fmt.Errorf("swarm: %s: writing the marker volume %s: %w", n.name, MarkerVolume, err)
	}
	return nil
}

func hasMark(ctx context.Context, n node) (bool, error) {
	v, err := n.docker.VolumeInspect(ctx, MarkerVolume)
	if errdefs.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("swarm: %s: reading the marker volume %s: %w", n.name, MarkerVolume, err)
	}
	return v.Labels[MarkerLabel] == "swarm", nil
}

func unmark(ctx context.Context, n node) error {
	err := n.docker.VolumeRemove(ctx, MarkerVolume, false)
	if err != nil && !errdefs.IsNotFound(err) {
		return fmt.Errorf("swarm: %s: removing the marker volume %s (left behind): %w", n.name, MarkerVolume, err)
	}
	return nil
}
