package containers

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// Faults for tests: a node stopped or killed as a whole, and a node cut off
// the network while it keeps running. All act through the host's Docker
// engine, never through the node's own SSH, so they work on a node that no
// longer answers.

// Stop stops node gracefully (SIGTERM; its dockerd shuts down).
func (tb *Testbed) Stop(ctx context.Context, node string) error {
	n, err := tb.Node(node)
	if err != nil {
		return err
	}
	if err := tb.cli.ContainerStop(ctx, n.Container, container.StopOptions{}); err != nil {
		return fmt.Errorf("%s: stopping %s: %w", node, n.Container, err)
	}
	return nil
}

// Kill kills node at once (SIGKILL), as a power loss would.
func (tb *Testbed) Kill(ctx context.Context, node string) error {
	n, err := tb.Node(node)
	if err != nil {
		return err
	}
	if err := tb.cli.ContainerKill(ctx, n.Container, "KILL"); err != nil {
		return fmt.Errorf("%s: killing %s: %w", node, n.Container, err)
	}
	return nil
}

// Start starts a stopped or killed node again, with the same address, host
// key, Docker state and envelope. It does not wait for sshd or dockerd.
func (tb *Testbed) Start(ctx context.Context, node string) error {
	n, err := tb.Node(node)
	if err != nil {
		return err
	}
	if err := tb.cli.ContainerStart(ctx, n.Container, container.StartOptions{}); err != nil {
		return fmt.Errorf("%s: starting %s: %w", node, n.Container, err)
	}
	if n.Envelope != nil {
		// The interface is new: shape it again.
		return tb.shapeNetwork(ctx, node, *n.Envelope)
	}
	return nil
}

// cutRules drop everything that enters or leaves the node's bridge
// interface, in the raw and mangle tables, which the node's own dockerd does
// not manage, so that its rule changes cannot reorder past them. Packets are
// dropped, not rejected: peers see a silent network, and TCP connections
// survive a short cut, as with a pulled cable.
var cutRules = [][]string{
	{"-t", "raw", "PREROUTING", "-i", "eth0", "-j", "DROP"},
	{"-t", "mangle", "POSTROUTING", "-o", "eth0", "-j", "DROP"},
}

// Cut cuts node off the network: its processes keep running, but nothing
// reaches it or leaves it. Cutting a node that is already cut does nothing.
func (tb *Testbed) Cut(ctx context.Context, node string) error {
	for _, r := range cutRules {
		if _, err := tb.exec(ctx, node, iptables("-C", r)...); err == nil {
			continue
		}
		if _, err := tb.exec(ctx, node, iptables("-I", r)...); err != nil {
			return fmt.Errorf("cutting %s off: %w", node, err)
		}
	}
	return nil
}

// Restore undoes Cut.
func (tb *Testbed) Restore(ctx context.Context, node string) error {
	for _, r := range cutRules {
		for range 10 { // every copy, should Cut have raced with itself
			if _, err := tb.exec(ctx, node, iptables("-C", r)...); err != nil {
				break
			}
			if _, err := tb.exec(ctx, node, iptables("-D", r)...); err != nil {
				return fmt.Errorf("restoring %s: %w", node, err)
			}
		}
	}
	return nil
}

// iptables turns a rule {"-t", table, chain, match...} into an iptables
// command with op (-C, -I, -D).
func iptables(op string, rule []string) []string {
	return append([]string{"iptables", "-w", rule[0], rule[1], op, rule[2]}, rule[3:]...)
}

// exec runs args in node's container through the host's Docker engine and
// returns its standard output; a non-zero exit is an error with stderr.
func (tb *Testbed) exec(ctx context.Context, node string, args ...string) (string, error) {
	n, err := tb.Node(node)
	if err != nil {
		return "", err
	}
	cmd := strings.Join(args, " ")
	ex, err := tb.cli.ContainerExecCreate(ctx, n.Container, container.ExecOptions{Cmd: args, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return "", fmt.Errorf("%s: exec %s: %w", node, cmd, err)
	}
	att, err := tb.cli.ContainerExecAttach(ctx, ex.ID, container.ExecAttachOptions{})
	if err != nil {
		return "", fmt.Errorf("%s: exec %s: %w", node, cmd, err)
	}
	defer att.Close()
	var out, errOut bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errOut, att.Reader); err != nil {
		return "", fmt.Errorf("%s: exec %s: reading output: %w", node, cmd, err)
	}
	st, err := tb.cli.ContainerExecInspect(ctx, ex.ID)
	if err != nil {
		return "", fmt.Errorf("%s: exec %s: %w", node, cmd, err)
	}
	if st.ExitCode != 0 {
		return out.String(), fmt.Errorf("%s: exec %s: exit status %d: %s", node, cmd, st.ExitCode, strings.TrimSpace(errOut.String()))
	}
	return out.String(), nil
}
