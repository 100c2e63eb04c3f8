package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerig/edgerig/internal/yamlpos/yamlpostest"
)

// FuzzParse feeds the inventory loader arbitrary bytes, seeded with the
// test inventories and the shipped ones (more seeds in
// testdata/fuzz/FuzzParse). No input may panic it; a refusal must be an
// *Errors with positioned lines; an accepted inventory must be consistent:
// every testbed's hosts resolve and every jump names a remote host.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	files = append(files, "../hosts.yaml", "../fixtures/inventories/pi-cluster.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inv, err := Parse("f.yaml", data)
		if err != nil {
			yamlpostest.RequirePositioned(t, err, "f.yaml")
			return
		}
		if len(inv.Hosts) == 0 {
			t.Fatal("an accepted inventory has no hosts")
		}
		for _, name := range append(inv.TestbedNames(), "") {
			if _, err := inv.Testbed(name); err != nil && (name != "" || inv.DefaultTestbed != "" || len(inv.Testbeds) == 0) {
				t.Fatalf("testbed %q: %v", name, err)
			}
		}
		for _, h := range inv.Hosts {
			if h.Jump == "" {
				continue
			}
			j, ok := inv.ByName(h.Jump)
			if !ok || j.Local || j.Name == h.Name {
				t.Fatalf("host %s: bad jump %q accepted", h.Name, h.Jump)
			}
		}
	})
}
