package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/inventory"
	"github.com/edgerig/edgerig/runner"
	"github.com/edgerig/edgerig/spec"
)

// invalidError is a spec or inventory with problems: they are printed one
// per line as FILE:LINE:COL: message, and edgerig exits 2.
type invalidError struct{ msg string }

func (e invalidError) Error() string { return e.msg }
func (e invalidError) ExitCode() int { return cli.ExitUsage }

func validateCmd() cli.Command {
	return cli.Command{
		Name: "validate", Args: "[SPEC...]", MaxArgs: -1, Complete: "spec",
		Summary: "check experiment specs and inventories without running anything",
		Help: `Checks experiment specs (and with --hosts an inventory) without running
anything. A spec whose testbed is made for the run ({kind: containers, nodes:
N}) is checked against the nodes it will have. With --hosts, each spec is also checked against the inventory (its
testbed exists, a host holds every role it needs) and against what the runner
supports: the same check as run --dry-run. Exit 0 when all are valid;
otherwise every problem is printed, one per line, as
FILE:LINE:COL: yaml.path: message, and the exit status is 2. Nothing is
written. A problem the runner finds points at the key (or matrix value) that
chose what it refuses.`,
		Flags: func(fs *flag.FlagSet) cli.Action {
			hosts := fs.String("hosts", "", "also validate this inventory `file` (hosts.yaml), and each spec against it")
			testbed := fs.String("testbed", "", "with --hosts: check the specs against this testbed `name` (default: the spec's, else the inventory's default)")
			return func(args []string, stdio cli.IO) error {
				if len(args) == 0 && *hosts == "" {
					return cli.UsageError{Msg: "name at least one spec, or --hosts"}
				}
				return validate(args, *hosts, *testbed, stdio)
			}
		},
	}
}

func validate(specs []string, hostsFile, testbed string, stdio cli.IO) error {
	var problems []string
	var inv *inventory.Inventory
	if hostsFile != "" {
		var err error
		if inv, err = inventory.Load(hostsFile); err != nil {
			problems = append(problems, err.Error())
		} else {
			fmt.Fprintf(stdio.Out, "%s: valid: %d host(s), %d testbed(s)\n", hostsFile, len(inv.Hosts), len(inv.Testbeds))
		}
	}
	for _, path := range specs {
		s, err := spec.Load(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if inv != nil {
			tb, errs := checkAgainst(s, inv, testbed)
			if len(errs) > 0 {
				problems = append(problems, errs...)
				continue
			}
			fmt.Fprintf(stdio.Out, "%s: valid: %s, %d trial(s), runs on testbed %s\n", path, s.Name, len(s.Trials()), tb)
			continue
		}
		if s.NewTestbed != nil {
			tb, errs := checkMade(s)
			if len(errs) > 0 {
				problems = append(problems, errs...)
				continue
			}
			fmt.Fprintf(stdio.Out, "%s: valid: %s, %d trial(s), runs on testbed %s\n", path, s.Name, len(s.Trials()), tb)
			continue
		}
		fmt.Fprintf(stdio.Out, "%s: valid: %s, %d trial(s)\n", path, s.Name, len(s.Trials()))
	}
	if len(problems) > 0 {
		return invalidError{strings.Join(problems, "\n")}
	}
	return nil
}

// checkMade is checkAgainst for the testbed a spec asks the run to make:
// its nodes' roles are known before it exists.
func checkMade(s *spec.Spec) (string, []string) {
	testbed, hosts := madeTestbedName(s.NewTestbed, ""), plannedHosts(s.NewTestbed)
	if err := s.CheckRoles(testbed, inventory.Roles(hosts)); err != nil {
		return testbed, strings.Split(err.Error(), "\n")
	}
	if err := runner.Check(runner.Config{Spec: s, Testbed: testbed, Hosts: hosts}); err != nil {
		line, col, path := runnerProblemPos(s.Path, err.Error())
		return testbed, []string{fmt.Sprintf("%s:%d:%d: %s: %s", s.Path, line, col, path, err.Error())}
	}
	return testbed, nil
}

// checkAgainst is what `run --dry-run` refuses, without connecting: the
// testbed, the roles, and what the runner supports.
func checkAgainst(s *spec.Spec, inv *inventory.Inventory, testbedFlag string) (string, []string) {
	testbed := firstNonEmpty(testbedFlag, s.Testbed, inv.DefaultTestbed)
	at := func(path, msg string) []string { return []string{fmt.Sprintf("%s:1:1: %s: %s", s.Path, path, msg)} }
	hosts, err := inv.Testbed(testbed)
	if err != nil {
		if testbedFlag != "" {
			return testbed, at("--testbed", err.Error())
		}
		line, col := topKeyPos(s.Path, "testbed")
		return testbed, []string{fmt.Sprintf("%s:%d:%d: testbed: %s", s.Path, line, col, err.Error())}
	}
	if err := s.CheckRoles(testbed, inventory.Roles(hosts)); err != nil {
		return testbed, strings.Split(err.Error(), "\n")
	}
	if err := runner.Check(runner.Config{Spec: s, Testbed: testbed, Hosts: hosts}); err != nil {
		line, col, path := runnerProblemPos(s.Path, err.Error())
		return testbed, []string{fmt.Sprintf("%s:%d:%d: %s: %s", s.Path, line, col, path, err.Error())}
	}
	return testbed, nil
}
