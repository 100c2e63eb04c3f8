package ssh

import (
	"context"
	"fmt"
	"net"
)

// DialContext opens a connection from the host to addr through the SSH
// connection: "unix" for a socket on the host (OpenSSH's streamlocal
// forwarding, on by default), "tcp" for an address the host can reach. It
// is how package engine reaches a node's Docker Engine API without opening
// any port on the node.
func (t *Transport) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	c, err := t.conn(ctx)
	if err != nil {
		return nil, err
	}
	conn, err := c.DialContext(ctx, network, addr)
	if err != nil {
		return nil, fmt.Errorf("%s: dial %s %s: %w", t.cfg.Name, network, addr, err)
	}
	return conn, nil
}
