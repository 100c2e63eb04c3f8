package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/internal/version"
)

func versionCmd() cli.Command {
	return cli.Command{
		Name: "version", Summary: "print edgerig's version (also edgerig --version)",
		Help: "Prints edgerig's version, Go version and platform.",
		Flags: func(fs *flag.FlagSet) cli.Action {
			return func(_ []string, stdio cli.IO) error {
				printVersion(stdio.Out)
				return nil
			}
		},
	}
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "edgerig %s (%s, %s/%s)\n", version.String(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
