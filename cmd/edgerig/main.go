// Command edgerig runs reproducible performance experiments on small edge
// clusters and renders their reports. Each subcommand lives in a file of its
// own and is one row of the command table below (internal/cli); main only
// dispatches and turns errors into exit codes.
package main

import (
	"io"
	"os"

	"github.com/edgerig/edgerig/internal/cli"
)

// program is edgerig's command table. A row added here gets --help, flags
// in any order, shell completion and the CLI test's walk.
func program() cli.Program {
	return cli.Program{
		Name: "edgerig",
		Intro: `edgerig runs performance experiments on edge clusters (Raspberry Pis and other
single-board computers) and turns them into plots, tables and reports.`,
		Footer: "Start with: edgerig run experiments/idle-local.yaml",
		Commands: []cli.Command{
			versionCmd(),
			hostsCheckCmd(),
			testbedCmd("up", "containers", containersUpHelp, containersUpFlags),
			testbedCmd("down", "containers", containersDownHelp, containersDownFlags),
			testbedCmd("up", "qemu", qemuUpHelp(), qemuUpFlags),
			testbedCmd("down", "qemu", qemuDownHelp, qemuDownFlags),
			imageBuildCmd(),
			validateCmd(),
			runCmd(),
			provisionCmd(),
			lsCmd(),
			reportCmd(),
			compareCmd(),
			completionCmd(),
		},
		Version: printVersion,
	}
}

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	return program().Main(args, cli.IO{In: os.Stdin, Out: stdout, Err: stderr})
}
