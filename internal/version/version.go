// Package version carries the build's version, set by the Makefile with
// -ldflags -X, so that every run directory names the tool that made it.
package version

import "runtime/debug"

// Version is set at link time; "dev" for a plain go build.
var Version = "dev"

// String returns Version, or the module version recorded by the Go
// toolchain when the binary was built without the Makefile.
func String() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}
