package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/edgerig/edgerig/internal/yamlpos/yamlpostest"
)

// FuzzParse feeds the loader arbitrary bytes (seeded with every test spec
// and shipped experiment; more seeds are in testdata/fuzz/FuzzParse). No
// input may panic it; a refusal must be an *Errors with positioned lines;
// an accepted spec must expand into trials and survive Marshal and Parse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	more, _ := filepath.Glob("../experiments/*.yaml")
	for _, file := range append(files, more...) {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.yaml", data)
		if err != nil {
			yamlpostest.RequirePositioned(t, err, "f.yaml")
			return
		}
		trials := s.Trials()
		if len(trials) == 0 {
			t.Fatal("an accepted spec has no trials")
		}
		out := s.Marshal()
		back, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("Marshal output refused: %v\n%s", err, out)
		}
		if len(back.Trials()) != len(trials) {
			t.Fatalf("trials %d after round trip, %d before", len(back.Trials()), len(trials))
		}
	})
}
