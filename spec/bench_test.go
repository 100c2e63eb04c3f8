package spec

import (
	"os"
	"testing"
)

// BenchmarkParse measures loading a full spec (every field) and a bad one
// (every kind of problem), for the figures in the report; a spec is loaded
// once per run, so this only has to stay far below human time.
func BenchmarkParse(b *testing.B) {
	for _, name := range []string{"full", "bad-values", "bad-syntax-late"} {
		data, err := os.ReadFile("testdata/" + name + ".yaml")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				_, _ = Parse(name, data)
			}
		})
	}
}

func BenchmarkTrials(b *testing.B) {
	data, err := os.ReadFile("testdata/matrix-workload.yaml")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Parse("m.yaml", data)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if len(s.Trials()) != 16 {
			b.Fatal("want 16 trials")
		}
	}
}
