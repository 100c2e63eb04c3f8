package inventory

import (
	"os"
	"testing"
)

// BenchmarkParse measures loading the 8-node Pi cluster example, for the
// figures in the report (an inventory is loaded once per command).
func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("../fixtures/inventories/pi-cluster.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("pi-cluster.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
