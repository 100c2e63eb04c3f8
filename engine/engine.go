// Package engine reaches a host's Docker Engine API through the host's
// transport: a local transport dials the engine's Unix socket directly, an
// SSH transport forwards the same socket over its connection (OpenSSH's
// streamlocal forwarding), so no TCP port is ever opened on a node.
package engine

import (
	"context"
	"fmt"
	"net"

	"github.com/docker/docker/client"
)

// Socket is where Debian's dockerd listens.
const Socket = "/var/run/docker.sock"

// Dialer is what a transport must offer to carry the Engine API: a
// connection to a Unix socket on its host.
type Dialer interface {
	DialContext(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a Docker API client for the host behind d. The client
// negotiates the API version down to the engine's (Debian's 20.10 speaks 1.41).
func New(d Dialer) (*client.Client, error) {
	cli, err := client.NewClientWithOpts(
		// The host name is never resolved: every connection goes through d.
		client.WithHost("http://docker"),
		client.WithDialContext(func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", Socket)
		}),
		client.WithAPIVersionNegotiation(),
	)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return cli, nil
}
