package report

import (
	"path/filepath"
	"testing"
)

// BenchmarkLoadLongRun streams and aggregates the generated long run
// without rendering: the read-and-aggregate stage alone.
func BenchmarkLoadLongRun(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "run")
	writeBigRun(b, dir, 8, 20, 3600)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderAggregate renders the generated long run's aggregate:
// figures, tables and documents without the reading.
func BenchmarkRenderAggregate(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "run")
	writeBigRun(b, dir, 8, 20, 3600)
	a, err := Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Render(a, b.TempDir(), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
