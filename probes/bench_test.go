package probes

import (
	"testing"
	"time"
)

// BenchmarkSample is one tick on this host (whatever containers run on
// it): the hot path the probe repeats every second. Run with -benchmem to
// see allocations per tick.
func BenchmarkSample(b *testing.B) {
	s, err := New(Options{Containers: true, Daemons: DefaultDaemons})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	if _, _, err := s.Sample(now); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		now = now.Add(time.Second)
		if _, _, err := s.Sample(now); err != nil {
			b.Fatal(err)
		}
	}
}
