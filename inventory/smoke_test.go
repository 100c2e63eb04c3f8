package inventory

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	for _, p := range []string{"../hosts.yaml", "../fixtures/inventories/pi-cluster.yaml"} {
		inv, err := Load(p)
		require.NoError(t, err)
		hs, err := inv.Testbed("")
		require.NoError(t, err)
		t.Logf("%s: %+v", p, hs)
	}
}
