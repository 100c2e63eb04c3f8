// Package clitest walks a program's command table the way a user meets
// it: --help, unknown flags, flags after arguments, argument counts and
// exit codes, for every command, so that a command added to the table is
// tested without a test of its own.
package clitest

import (
	"flag"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/internal/cli"
)

// Main runs the program's real entry point and returns stdout, stderr and
// the exit status.
type Main func(args ...string) (stdout, stderr string, code int)

// Walk checks every command of p through run.
func Walk(t *testing.T, p cli.Program, run Main) {
	for _, c := range p.Commands {
		t.Run("cmd="+c.Name, func(t *testing.T) {
			words := strings.Fields(c.Name)
			with := func(more ...string) []string { return append(append([]string(nil), words...), more...) }
			full := strings.TrimSpace(p.Name + " " + c.Name)
			// --help, -h and help CMD: usage on stdout, exit 0, nothing on stderr.
			for _, args := range [][]string{with("--help"), with("-h"), append([]string{"help"}, words...)} {
				out, errOut, code := run(args...)
				require.Equal(t, cli.ExitOK, code, "%v: %s", args, errOut)
				require.Empty(t, errOut, args)
				require.Contains(t, out, "Usage: "+full, args)
				require.Contains(t, out, "130 interrupted", "%v documents the exit codes", args)
			}
			out, _, _ := run(with("--help")...)
			fs, _ := c.FlagSet(p.Name)
			fs.VisitAll(func(f *flag.Flag) {
				if cli.IsBool(f) {
					require.Contains(t, out, "\n  --"+f.Name+"\n", "boolean --%s is shown without a value", f.Name)
				} else {
					require.Regexp(t, `\n  --`+f.Name+` [A-Z]+\n`, out, "--%s is shown with its value", f.Name)
				}
			})
			// An unknown flag, before or after an argument, is bad input.
			bad := [][]string{with("--no-such-flag"), with("x", "--no-such-flag")}
			if c.Name == "" { // a first word that is not a flag names a command
				bad = bad[:1]
			}
			for _, args := range bad {
				_, errOut, code := run(args...)
				require.Equal(t, cli.ExitUsage, code, "%v: %s", args, errOut)
				require.Contains(t, errOut, "no-such-flag")
			}
			if c.MinArgs > 0 {
				_, errOut, code := run(words...)
				require.Equal(t, cli.ExitUsage, code, errOut)
				require.Contains(t, errOut, "Usage: "+full)
			}
			if c.MaxArgs >= 0 {
				args := with()
				for i := 0; i <= c.MaxArgs; i++ {
					args = append(args, "arg")
				}
				_, errOut, code := run(args...)
				require.Equal(t, cli.ExitUsage, code, "%v: %s", args, errOut)
			}
		})
		// Every flag also works after the positional arguments; "--" ends
		// the flags.
		fs0, _ := c.FlagSet(p.Name)
		fs0.VisitAll(func(f *flag.Flag) {
			t.Run("cmd="+c.Name+"/--"+f.Name+" after arguments", func(t *testing.T) {
				fs, _ := c.FlagSet(p.Name)
				args := []string{"POS", "--" + f.Name}
				if !cli.IsBool(f) {
					v := f.DefValue
					if v == "" {
						v = "x"
					}
					args = append(args, v)
				}
				args = append(args, "--", "--not-a-flag")
				require.NoError(t, fs.Parse(cli.Reorder(fs, args)))
				require.Equal(t, []string{"POS", "--not-a-flag"}, fs.Args())
				set := false
				fs.Visit(func(g *flag.Flag) { set = set || g.Name == f.Name })
				require.True(t, set, "--%s after the argument was taken as a flag", f.Name)
			})
		})
	}
	for _, args := range [][]string{{"--version"}, {"--help"}} {
		out, errOut, code := run(args...)
		require.Equal(t, cli.ExitOK, code, "%v: %s", args, errOut)
		require.Contains(t, out, p.Name)
	}
	_, errOut, code := run("no-such-command")
	require.Equal(t, cli.ExitUsage, code)
	require.Contains(t, errOut, `unknown command "no-such-command"`)
}
