// Command edgerig runs reproducible performance experiments on small edge
// clusters and renders their reports. Each subcommand lives in a file of its
// own; main only dispatches and turns errors into exit codes.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: its one-line summary and its entry point.
// run gets the arguments after the subcommand's name and returns an error;
// a usageError exits 2, any other error 1.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

func commands() map[string]command {
	return map[string]command{
		"version":   {"print edgerig's version", runVersion},
		"hosts":     {"check the hosts of a testbed: facts and clock offsets (hosts check)", runHosts},
		"testbed":   {"bring a local testbed (containers, qemu) up or down", runTestbed},
		"validate":  {"check experiment specs and inventories without running anything", runValidate},
		"run":       {"run an experiment on a testbed and render its report", runRun},
		"provision": {"make the hosts ready for an experiment: packages, services, kernel settings, boot flags", runProvision},
		"report":    {"render a run directory's figures, tables and PDF (reads only the directory)", runReport},
		"compare":   {"put runs side by side (e.g. by hardware) with ratios", runCompare},
	}
}

// usageError is bad input from the user: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitCoder lets an error choose the exit status (validate: 2 for an
// invalid spec).
type exitCoder interface{ ExitCode() int }

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

func realMain(args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout, cmds)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "edgerig: unknown command %q\n\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	err := c.run(args[1:], stdout, stderr)
	if err == nil {
		return 0
	}
	var ec exitCoder
	if errors.As(err, &ec) {
		fmt.Fprintln(stderr, err)
		return ec.ExitCode()
	}
	fmt.Fprintf(stderr, "edgerig %s: %v\n", args[0], err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "edgerig runs performance experiments on edge clusters (Raspberry Pis and other")
	fmt.Fprintln(w, "single-board computers) and turns them into plots, tables and reports.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: edgerig COMMAND [flags]   (edgerig COMMAND --help for its flags)")
	fmt.Fprintln(w)
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Start with: edgerig run experiments/idle-local.yaml")
}

// newFlagSet returns a subcommand's flag set whose --help prints usage
// (which ends with a blank line) and then the flags.
func newFlagSet(name string, stderr io.Writer, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	return fs
}
