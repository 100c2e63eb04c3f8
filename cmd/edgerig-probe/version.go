package main

import (
	"fmt"
	"io"

	"github.com/edgerig/edgerig/internal/version"
)

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "edgerig-probe %s\n", version.String())
}
