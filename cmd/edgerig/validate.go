package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/spec"
)

// invalidError is a spec or inventory with problems: they are printed one
// per line as FILE:LINE:COL: message, and edgerig exits 2.
type invalidError struct{ msg string }

func (e invalidError) Error() string { return e.msg }
func (e invalidError) ExitCode() int { return 2 }

func runValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("edgerig validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	hosts := fs.String("hosts", "", "also validate this inventory (hosts.yaml)")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: edgerig validate [--hosts FILE] SPEC...

Checks experiment specs (and optionally an inventory) without running
anything. Exit 0 when all are valid; otherwise every problem is printed, one
per line, as FILE:LINE:COL: yaml.path: message, and the exit status is 2.
Nothing is written.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	if fs.NArg() == 0 && *hosts == "" {
		fs.Usage()
		return usageError{"validate: name at least one spec"}
	}
	var problems []string
	for _, path := range fs.Args() {
		s, err := spec.Load(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		fmt.Fprintf(stdout, "%s: valid: %s, %d trial(s)\n", path, s.Name, len(s.Trials()))
	}
	if *hosts != "" {
		inv, err := inventory.Load(*hosts)
		if err != nil {
			problems = append(problems, err.Error())
		} else {
			fmt.Fprintf(stdout, "%s: valid: %d host(s), %d testbed(s)\n", *hosts, len(inv.Hosts), len(inv.Testbeds))
		}
	}
	if len(problems) > 0 {
		return invalidError{strings.Join(problems, "\n")}
	}
	return nil
}
