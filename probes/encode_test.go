package probes

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
)

// TestAppendRecordMatchesEncode holds the allocation-free encoder
// byte-identical to sample.Encode, on random records with odd labels and
// extreme values.
func TestAppendRecordMatchesEncode(t *testing.T) {
	labels := []string{"", "0", "dockerd", "3f4a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
		`a"b\c`, "x<y>&z", "tab\tnl\n\x01", "é€", "\xff\xfe", "\u2028\u2029"}
	values := []float64{0, 1, -1, 0.5, 12.345, 1e-7, 1e-6, 123456789012, 1e21, 1e22, 2.5e-10, 99.99, 1 << 53}
	rng := rand.New(rand.NewPCG(1, 2))
	var buf []byte
	for i := 0; i < 2000; i++ {
		rec := sample.Record{V: sample.Version, Seq: rng.Uint64(), TimeMS: rng.Int64()}
		if i%50 != 0 {
			rec.Series = []sample.Series{}
		}
		for n := rng.IntN(6); n > 0; n-- {
			s := sample.Series{Kind: sample.Kind(labels[rng.IntN(len(labels))]), Label: labels[rng.IntN(len(labels))]}
			if rng.IntN(20) > 0 {
				s.Values = map[string]float64{}
				for m := rng.IntN(20); m > 0; m-- {
					s.Values[labels[rng.IntN(len(labels))]+string(rune('a'+rng.IntN(26)))] = values[rng.IntN(len(values))] * float64(rng.IntN(3)-1)
				}
			}
			rec.Series = append(rec.Series, s)
		}
		want, err := sample.Encode(rec)
		require.NoError(t, err)
		var got []byte
		got, err = AppendRecord(buf[:0], rec)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
		buf = got
	}
}
