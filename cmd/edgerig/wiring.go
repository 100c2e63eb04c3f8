package main

import (
	"context"
	"time"

	"github.com/edgerig/edgerig/facts"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/local"
	"github.com/edgerig/edgerig/transport/ssh"
)

// connector opens a host's transport: the local one for `local: true`
// hosts, SSH (strict host keys) for every other.
func connector(inv *inventory.Inventory, acceptNew bool) func(context.Context, inventory.Host) (transport.Transport, error) {
	return func(ctx context.Context, h inventory.Host) (transport.Transport, error) {
		if h.Local {
			return local.New(h.Name), nil
		}
		cfg, err := ssh.ConfigFor(inv, h, acceptNew)
		if err != nil {
			return nil, err
		}
		t, err := ssh.Dial(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return t, nil
	}
}

// clockOffset measures a host's clock offset over its transport with the
// placed probe's clock mode: best of 20 exchanges.
func clockOffset(ctx context.Context, t transport.Transport, probe string) (time.Duration, time.Duration, error) {
	return facts.ClockOffsetProbe(ctx, t, 20, probe)
}
