package containers

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/api/types/volume"
)

// Subnets are picked from 172.29.0.0/16–172.31.0.0/16, in /24s: far from
// Docker's first default pools (172.17, 172.18 are what the nodes' own
// dockerd give their bridges) and from Swarm's 10.0.0.0/8 overlays.
const (
	subnetFirst = 29
	subnetLast  = 31
)

// createNetwork creates the testbed's bridge on a free /24, starting at a
// place derived from the id so that testbeds made at once rarely race for
// the same subnet, and moving on when the engine says it overlaps.
func (tb *Testbed) createNetwork(ctx context.Context) error {
	used, err := tb.usedSubnets(ctx)
	if err != nil {
		return err
	}
	h := fnv.New32a()
	h.Write([]byte(tb.ID))
	total := (subnetLast - subnetFirst + 1) * 256
	off := int(h.Sum32()) % total
	var lastErr error
	tries := 0
	for i := 0; i < total && tries < 20; i++ {
		k := (off + i) % total
		subnet := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(subnetFirst + k/256), byte(k % 256), 0}), 24)
		if overlapsAny(subnet, used) {
			continue
		}
		tries++
		gw := subnet.Addr().Next()
		_, err := tb.cli.NetworkCreate(ctx, tb.Network, network.CreateOptions{
			Driver: "bridge",
			IPAM:   &network.IPAM{Config: []network.IPAMConfig{{Subnet: subnet.String(), Gateway: gw.String()}}},
			Labels: map[string]string{LabelTestbed: tb.ID},
		})
		if err == nil {
			tb.Subnet = subnet.String()
			return tb.writeState()
		}
		lastErr = err
		if !strings.Contains(err.Error(), "overlap") {
			break
		}
	}
	return fmt.Errorf("creating network %s: no free /24 in 172.%d-%d.0.0: %w", tb.Network, subnetFirst, subnetLast, lastErr)
}

// usedSubnets are the engine's networks' subnets and this machine's own
// addresses: a testbed must not shadow either.
func (tb *Testbed) usedSubnets(ctx context.Context) ([]netip.Prefix, error) {
	nets, err := tb.cli.NetworkList(ctx, network.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("listing Docker networks: %w", err)
	}
	var used []netip.Prefix
	for _, n := range nets {
		for _, c := range n.IPAM.Config {
			if p, err := netip.ParsePrefix(c.Subnet); err == nil {
				used = append(used, p)
			}
		}
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			used = append(used, p.Masked())
		}
	}
	return used, nil
}

func overlapsAny(p netip.Prefix, list []netip.Prefix) bool {
	for _, q := range list {
		if p.Overlaps(q) {
			return true
		}
	}
	return false
}

// nodeAddress is node i's (0-based) fixed address: .2, .3, ... (.1 is the
// bridge's gateway on the host).
func nodeAddress(subnet string, i int) (string, error) {
	p, err := netip.ParsePrefix(subnet)
	if err != nil {
		return "", fmt.Errorf("subnet %q: %w", subnet, err)
	}
	a := p.Addr().Next()
	for range i + 1 {
		a = a.Next()
	}
	if !p.Contains(a) || a == netip.AddrFrom4([4]byte{}) {
		return "", fmt.Errorf("subnet %s has no room for node %d", subnet, i+1)
	}
	return a.String(), nil
}

// startNode creates node i's volume and container, writes its host key and
// the user's authorized key into it, and starts it.
func (tb *Testbed) startNode(ctx context.Context, i, n int, env *Envelope) (Node, error) {
	name := fmt.Sprintf("node%d", i+1)
	addr, err := nodeAddress(tb.Subnet, i)
	if err != nil {
		return Node{}, err
	}
	node := Node{
		Name:      name,
		Address:   addr,
		Roles:     Roles(i, n),
		Container: prefix(tb.ID) + "-" + name,
		Volume:    prefix(tb.ID) + "-" + name + "-docker",
		Envelope:  env,
	}
	labels := map[string]string{LabelTestbed: tb.ID, labelNode: name}
	if _, err := tb.cli.VolumeCreate(ctx, volume.CreateOptions{Name: node.Volume, Labels: labels}); err != nil {
		return Node{}, fmt.Errorf("%s: creating volume %s: %w", name, node.Volume, err)
	}
	hostKey, err := newKeyPair("root@" + name)
	if err != nil {
		return Node{}, err
	}
	node.HostKey = strings.TrimSpace(string(authorizedKey(hostKey)))
	init, stop := true, 20
	cfg := &container.Config{
		Image:       tb.Image,
		Hostname:    name,
		Labels:      labels,
		StopTimeout: &stop,
	}
	// --privileged fails where root lacks CAP_SYS_RESOURCE (and Docker
	// 20.10 ignores --cap-drop with it); this is the set that runs a nested
	// dockerd there. /dev/kmsg is for a kubelet.
	hc := &container.HostConfig{
		CapAdd:  []string{"ALL"},
		CapDrop: []string{"SYS_RESOURCE"},
		// apparmor: docker-default forbids the remounts the entrypoint makes
		// (where AppArmor is on; elsewhere the option is accepted and moot).
		SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"},
		// Empty, not nil: the API's form of --security-opt systempaths=unconfined.
		MaskedPaths:   []string{},
		ReadonlyPaths: []string{},
		CgroupnsMode:  container.CgroupnsModeHost,
		Init:          &init,
		Mounts:        []mount.Mount{{Type: mount.TypeVolume, Source: node.Volume, Target: "/var/lib/docker"}},
		// A fresh /run at each start, as a boot gives: a stale pid file would
		// keep dockerd from starting after a kill.
		Tmpfs: map[string]string{"/run": "rw,nosuid,nodev,mode=755"},
		Resources: container.Resources{
			DeviceCgroupRules: []string{"a *:* rwm"},
			Devices:           []container.DeviceMapping{{PathOnHost: "/dev/kmsg", PathInContainer: "/dev/kmsg", CgroupPermissions: "rwm"}},
		},
	}
	if env != nil {
		r := env.resources()
		r.DeviceCgroupRules, r.Devices = hc.Resources.DeviceCgroupRules, hc.Resources.Devices
		hc.Resources = r
	}
	nc := &network.NetworkingConfig{EndpointsConfig: map[string]*network.EndpointSettings{
		tb.Network: {IPAMConfig: &network.EndpointIPAMConfig{IPv4Address: addr}},
	}}
	if _, err := tb.cli.ContainerCreate(ctx, cfg, hc, nc, nil, node.Container); err != nil {
		return Node{}, fmt.Errorf("%s: creating container %s: %w", name, node.Container, err)
	}
	var bench []byte
	if tb.bench != "" {
		if bench, err = os.ReadFile(tb.bench); err != nil {
			return Node{}, fmt.Errorf("%s: edgerig-bench: %w", name, err)
		}
	}
	secrets, err := nodeSecrets(hostKey, authorizedKey(tb.key), bench)
	if err != nil {
		return Node{}, fmt.Errorf("%s: %w", name, err)
	}
	if err := tb.cli.CopyToContainer(ctx, node.Container, "/", bytes.NewReader(secrets), container.CopyToContainerOptions{}); err != nil {
		return Node{}, fmt.Errorf("%s: writing keys into %s: %w", name, node.Container, err)
	}
	if err := tb.cli.ContainerStart(ctx, node.Container, container.StartOptions{}); err != nil {
		return Node{}, fmt.Errorf("%s: starting container %s: %w", name, node.Container, err)
	}
	return node, nil
}

// nodeSecrets is a tarball, extracted at the node's /, with its sshd host
// key and root's authorized key.
func nodeSecrets(hostKey keyPair, authorized, bench []byte) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	now := time.Now()
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: "root/.ssh/", Mode: 0o700, ModTime: now}); err != nil {
		return nil, fmt.Errorf("keys tarball: %w", err)
	}
	for _, f := range []struct {
		path string
		mode int64
		data []byte
	}{
		{"/etc/ssh/ssh_host_ed25519_key", 0o600, hostKey.private},
		{"/etc/ssh/ssh_host_ed25519_key.pub", 0o644, authorizedKey(hostKey)},
		{"/root/.ssh/authorized_keys", 0o600, authorized},
	} {
		if err := writeFile(tw, f.path, f.mode, f.data, now); err != nil {
			return nil, err
		}
	}
	if bench != nil {
		if err := writeFile(tw, BenchPath, 0o755, bench, now); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("keys tarball: %w", err)
	}
	return buf.Bytes(), nil
}
