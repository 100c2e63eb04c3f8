package spec

import (
	"gopkg.in/yaml.v3"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// Testbed kinds a spec can ask a run to make (testbed: {kind: ...}).
const TestbedContainers = "containers"

// NewTestbed is a testbed the run makes for itself and removes after it,
// named in the spec by kind and size instead of by an inventory name:
//
//	testbed: {kind: containers, nodes: 4}
//
// The first node is the master, the others workers (containers.Roles).
type NewTestbed struct {
	Kind  string // containers
	Nodes int    // 1..50
	// As makes every node pose as a board (one name), or node i as As[i]
	// (one per node): its CPU calibrated, its memory, network and storage
	// limited as `edgerig testbed up containers --as` does.
	As []string
}

// BoardNames are the boards a made testbed's nodes can pose as; the
// container testbed's table of boards has the same names (a test checks).
var BoardNames = []string{"rpi2", "rpi3", "rpi3b+", "rpi4", "rpi5"}

// decodeTestbed reads the testbed field: an inventory testbed's name, or a
// mapping naming a testbed to make.
func decodeTestbed(c *yamlpos.Checker, s *Spec, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		scalars["testbed"](c, s, n, "testbed")
		return
	}
	f, ok := c.Fields(n, "testbed", "kind", "nodes", "as")
	if !ok {
		return
	}
	tb := &NewTestbed{Kind: TestbedContainers, Nodes: 4}
	if k := f["kind"]; k == nil {
		c.Errorf(n, "testbed.kind", "is required (kind: %s)", TestbedContainers)
	} else if v, ok := c.Scalar(k, "testbed.kind"); ok {
		if v != TestbedContainers {
			c.Errorf(k, "testbed.kind", "%q is not a testbed edgerig can make (%s); name an inventory testbed instead (testbed: NAME)", v, TestbedContainers)
		}
		tb.Kind = v
	}
	if v := f["nodes"]; v != nil {
		if nodes, ok := c.Int(v, "testbed.nodes", 1, 50); ok {
			tb.Nodes = nodes
		}
	}
	if v := f["as"]; v != nil {
		if str, ok := c.Scalar(v, "testbed.as"); ok {
			for _, name := range strings.Split(str, ",") {
				name = strings.TrimSpace(name)
				if !slices.Contains(BoardNames, name) {
					c.Errorf(v, "testbed.as", "unknown board %q: want one of %s, or one per node separated by commas", name, strings.Join(BoardNames, ", "))
					return
				}
				tb.As = append(tb.As, name)
			}
			if len(tb.As) != 1 && len(tb.As) != tb.Nodes {
				c.Errorf(v, "testbed.as", "%d boards for %d nodes: give one board, or one per node", len(tb.As), tb.Nodes)
			}
		}
	}
	s.NewTestbed = tb
}
