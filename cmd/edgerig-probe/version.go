package main

import (
	"fmt"
	"io"

	"github.com/edgerig/edgerig/internal/version"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "edgerig-probe %s\n", version.String())
	return err
}
