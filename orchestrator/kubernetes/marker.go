package kubernetes

import (
	"fmt"
	"strings"
)

// marker is what MarkerFile says: how edgerig installed Kubernetes on the
// node, and the node's role, one "key value" per line.
type marker struct {
	install, version, source string
	master                   bool
}

func (m marker) String() string {
	role := "worker"
	if m.master {
		role = "master"
	}
	return fmt.Sprintf("install %s\nversion %s\nsource %s\nrole %s\n", m.install, m.version, m.source, role)
}

func parseMarker(s string) (marker, error) {
	var m marker
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch k {
		case "install":
			m.install = v
		case "version":
			m.version = v
		case "source":
			m.source = v
		case "role":
			m.master = v == "master"
		}
	}
	if m.install == "" || m.source == "" {
		return m, fmt.Errorf("not a marker edgerig wrote: %q", s)
	}
	return m, nil
}
