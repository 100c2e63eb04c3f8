package ssh

import (
	"fmt"
	"net"
	"strconv"

	"github.com/edgerig/edgerig/inventory"
)

// ConfigFor turns an inventory host into a Config, following its jump
// host (and the jump's jump) by name. acceptNew is the user's
// --accept-new-host-keys; it applies to the jump hosts too.
func ConfigFor(inv *inventory.Inventory, h inventory.Host, acceptNew bool) (Config, error) {
	return configFor(inv, h, acceptNew, map[string]bool{})
}

func configFor(inv *inventory.Inventory, h inventory.Host, acceptNew bool, seen map[string]bool) (Config, error) {
	if h.Local {
		return Config{}, fmt.Errorf("host %s is local: it has no SSH settings", h.Name)
	}
	if seen[h.Name] {
		return Config{}, fmt.Errorf("host %s: jump hosts loop back to it", h.Name)
	}
	seen[h.Name] = true
	port := h.Port
	if port == 0 {
		port = 22
	}
	c := Config{
		Name:              h.Name,
		Addr:              net.JoinHostPort(h.Address, strconv.Itoa(port)),
		User:              h.User,
		IdentityFile:      h.Identity,
		UseAgent:          h.Agent,
		KnownHostsFile:    h.KnownHosts,
		AcceptNewHostKeys: acceptNew,
	}
	if h.Jump != "" {
		j, ok := inv.ByName(h.Jump)
		if !ok {
			return Config{}, fmt.Errorf("host %s: jump host %q is not in %s", h.Name, h.Jump, inv.Path)
		}
		jc, err := configFor(inv, j, acceptNew, seen)
		if err != nil {
			return Config{}, fmt.Errorf("host %s: %w", h.Name, err)
		}
		c.Jump = &jc
	}
	return c, nil
}
