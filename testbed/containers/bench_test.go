package containers

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/internal/testenv"
)

// BenchmarkUpDown measures a 3-node testbed's up (until every node answers
// ssh and docker info) and down with the node image already built: the
// cost a test pays per testbed. The first iteration builds the image if the
// cache is cold; run with -benchtime 3x to see the warm figure.
func BenchmarkUpDown(b *testing.B) {
	if testing.Short() {
		b.Skip("integration benchmark (real Docker engine)")
	}
	testenv.Root(b)
	testenv.Command(b, "debootstrap", "tar")
	testenv.Docker(b)
	cli, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		b.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	var up, down time.Duration
	for i := 0; i < b.N; i++ {
		dir, err := os.MkdirTemp("", "edgerig-test-containers-bench-")
		if err != nil {
			b.Fatal(err)
		}
		id := testID()
		start := time.Now()
		_, err = Up(ctx, cli, Options{Nodes: 3, Dir: dir, ID: id})
		up += time.Since(start)
		if err != nil {
			RemoveByLabel(ctx, cli, id, nil)
			os.RemoveAll(dir)
			b.Fatal(err)
		}
		start = time.Now()
		err = Down(ctx, cli, dir, nil)
		down += time.Since(start)
		os.RemoveAll(dir)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(up.Seconds()/float64(b.N), "s-up/op")
	b.ReportMetric(down.Seconds()/float64(b.N), "s-down/op")
}
