package local_test

import (
	"testing"

	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/transport/local"
	"github.com/edgerig/edgerig/transport/transporttest"
)

func TestConformance(t *testing.T) {
	transporttest.Run(t, func(t *testing.T) transport.Transport { return local.New("local") })
}
