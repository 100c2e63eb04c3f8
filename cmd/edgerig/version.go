package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/edgerig/edgerig/internal/version"
)

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("edgerig version", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: edgerig version\n\nPrints edgerig's version, Go version and platform.")
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	fmt.Fprintf(stdout, "edgerig %s (%s, %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// flagErr turns a flag parsing error into a usage error; --help is not an
// error at all.
func flagErr(err error) error {
	if err == flag.ErrHelp {
		return nil
	}
	return usageError{err.Error()}
}
