// Package cli is the one command-line pattern edgerig's programs share: a
// small table of commands, each with its own FlagSet, so that every command
// takes flags before or after its positional arguments, answers --help (on
// stdout, exit 0), shows boolean flags as booleans and exits with the same
// documented codes. A command added to the table gets all of that, shell
// completion and the table-driven CLI test for free.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes of every edgerig program.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2 // bad input: flags, arguments, an invalid spec or inventory
	ExitInterrupted = 130
)

// ExitCodes documents the codes for usage texts and the README.
const ExitCodes = `Exit status: 0 ok, 1 failed, 2 bad input (flags, arguments, an invalid spec
or inventory), 130 interrupted (Ctrl-C or SIGTERM).`

// IO is a command's standard streams.
type IO struct {
	In       io.Reader
	Out, Err io.Writer
}

// Action runs a command with its positional arguments, after its flags
// (defined by Command.Flags) are parsed.
type Action func(args []string, stdio IO) error

// Command is one row of a program's command table.
type Command struct {
	// Name is the words that select the command ("run", "testbed up qemu");
	// "" is the program's default command, run when the first argument is
	// a flag or absent.
	Name string
	// Args is the synopsis of the positional arguments ("SPEC", "RUNDIR...").
	Args string
	// MinArgs and MaxArgs bound the number of positional arguments; MaxArgs
	// < 0 means no bound.
	MinArgs, MaxArgs int
	Summary          string
	// Help is the long description printed by --help, before the flags.
	Help string
	// Complete says what the positional arguments are, for shell
	// completion: "spec", "rundir", "file", "dir", or a space-separated
	// list of words.
	Complete string
	// Flags defines the command's flags on fs and returns the action that
	// reads them. It is called afresh for every invocation.
	Flags func(fs *flag.FlagSet) Action
}

// Program is a binary's command table.
type Program struct {
	Name     string // "edgerig"
	Intro    string // the top of `PROGRAM --help`
	Footer   string // the bottom of `PROGRAM --help`
	Commands []Command
	// Version prints the version; `PROGRAM --version` runs it.
	Version func(w io.Writer)
}

// UsageError is bad input from the user: exit status 2.
type UsageError struct{ Msg string }

func (e UsageError) Error() string { return e.Msg }

// ExitCoder lets an error choose the exit status; the error is then
// printed as it is, without the program's prefix.
type ExitCoder interface{ ExitCode() int }

// FlagSet returns the command's flag set with its flags defined, and the
// action bound to them.
func (c Command) FlagSet(prog string) (*flag.FlagSet, Action) {
	fs := flag.NewFlagSet(strings.TrimSpace(prog+" "+c.Name), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.Flags == nil {
		return fs, func([]string, IO) error { return nil }
	}
	return fs, c.Flags(fs)
}

// Main runs the program on args and returns the exit status.
func (p Program) Main(args []string, stdio IO) int {
	if len(args) > 0 {
		switch args[0] {
		case "-h", "-help", "--help", "help":
			if len(args) == 1 {
				p.usage(stdio.Out)
				return ExitOK
			}
			// help COMMAND is COMMAND --help.
			args = append(args[1:], "--help")
		case "--version", "-version":
			if p.Version != nil && len(args) == 1 {
				p.Version(stdio.Out)
				return ExitOK
			}
		}
	}
	c, rest, ok := p.lookup(args)
	if !ok {
		return p.unknown(args, stdio)
	}
	fs, act := c.FlagSet(p.Name)
	full := strings.TrimSpace(p.Name + " " + c.Name)
	if err := fs.Parse(Reorder(fs, rest)); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			p.Help(stdio.Out, c)
			return ExitOK
		}
		fmt.Fprintf(stdio.Err, "%s: %v\n(%s --help for usage)\n", full, err, full)
		return ExitUsage
	}
	if n := fs.NArg(); n < c.MinArgs || (c.MaxArgs >= 0 && n > c.MaxArgs) {
		fmt.Fprintf(stdio.Err, "%s: %s\nUsage: %s\n(%s --help for more)\n", full, argCountMsg(c, fs.Args()), synopsis(full, c), full)
		return ExitUsage
	}
	return report(full, act(fs.Args(), stdio), stdio.Err)
}

// report prints err and chooses the exit status.
func report(full string, err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ec ExitCoder
	if errors.As(err, &ec) {
		fmt.Fprintln(stderr, err)
		return ec.ExitCode()
	}
	fmt.Fprintf(stderr, "%s: %v\n", full, err)
	var ue UsageError
	if errors.As(err, &ue) {
		return ExitUsage
	}
	return ExitFailed
}

func argCountMsg(c Command, got []string) string {
	switch {
	case c.MaxArgs == 0:
		return fmt.Sprintf("takes no arguments, got %q", got)
	case len(got) < c.MinArgs:
		return "missing " + c.Args
	default:
		return fmt.Sprintf("too many arguments: %q", got)
	}
}

// lookup finds the command whose name is the longest run of leading words
// of args; the default command when args start with a flag or are empty.
func (p Program) lookup(args []string) (Command, []string, bool) {
	best, bestLen, found := Command{}, -1, false
	for _, c := range p.Commands {
		words := strings.Fields(c.Name)
		if len(words) > len(args) || len(words) <= bestLen {
			continue
		}
		if c.Name == "" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
			continue
		}
		match := true
		for i, w := range words {
			match = match && args[i] == w
		}
		if match {
			best, bestLen, found = c, len(words), true
		}
	}
	if !found {
		return Command{}, nil, false
	}
	return best, args[bestLen:], true
}

// unknown answers args that name no command: a group ("testbed up") lists
// its commands; anything else is an unknown command.
func (p Program) unknown(args []string, stdio IO) int {
	var prefix []string
	for _, a := range args {
		if strings.HasPrefix(a, "-") {
			break
		}
		prefix = append(prefix, a)
	}
	help := len(args) > len(prefix) && (args[len(prefix)] == "-h" || args[len(prefix)] == "--help")
	for len(prefix) > 0 {
		group := p.group(strings.Join(prefix, " "))
		if len(group) > 0 {
			w, code := stdio.Err, ExitUsage
			if help && len(prefix) == len(args)-1 {
				w, code = stdio.Out, ExitOK
			} else if len(args) > len(prefix) && !strings.HasPrefix(args[len(prefix)], "-") {
				fmt.Fprintf(stdio.Err, "%s %s: unknown command %q\n\n", p.Name, strings.Join(prefix, " "), args[len(prefix)])
			} else {
				fmt.Fprintf(stdio.Err, "%s %s: missing command\n\n", p.Name, strings.Join(prefix, " "))
			}
			p.groupUsage(w, group)
			return code
		}
		prefix = prefix[:len(prefix)-1]
	}
	if len(args) == 0 {
		p.usage(stdio.Err)
		return ExitUsage
	}
	fmt.Fprintf(stdio.Err, "%s: unknown command %q (%s --help lists them)\n", p.Name, args[0], p.Name)
	return ExitUsage
}

func (p Program) group(prefix string) []Command {
	var out []Command
	for _, c := range p.Commands {
		if strings.HasPrefix(c.Name, prefix+" ") {
			out = append(out, c)
		}
	}
	return out
}

// interruptedError is a command cut short by Ctrl-C or SIGTERM: exit 130.
type interruptedError struct {
	cmd string
	err error
}

func (e interruptedError) Error() string { return e.cmd + ": interrupted: " + e.err.Error() }
func (e interruptedError) ExitCode() int { return ExitInterrupted }
func (e interruptedError) Unwrap() error { return e.err }

// Interrupted turns err into an exit status of 130 when ctx — a context
// that Ctrl-C and SIGTERM cancel — was cancelled, since the failure is then
// the interrupt's doing; otherwise it returns err as it is.
func Interrupted(ctx interface{ Err() error }, cmd string, err error) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	return interruptedError{cmd, err}
}
