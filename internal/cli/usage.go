package cli

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// usage is `PROGRAM --help`: the intro, the command table, the exit codes.
func (p Program) usage(w io.Writer) {
	if p.Intro != "" {
		fmt.Fprintln(w, strings.TrimRight(p.Intro, "\n"))
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Usage: %s COMMAND [flags] [args]   (%s COMMAND --help for its flags)\n\n", p.Name, p.Name)
	fmt.Fprintln(w, "Commands:")
	p.list(w, p.Commands)
	fmt.Fprintln(w)
	for _, c := range p.Commands {
		if c.Name == "" { // the default command's flags are the program's
			fs, _ := c.FlagSet(p.Name)
			if PrintFlags(w, fs) > 0 {
				fmt.Fprintln(w)
			}
		}
	}
	fmt.Fprintln(w, "Flags may come before or after the arguments. --version prints the version.")
	fmt.Fprintln(w, ExitCodes)
	if p.Footer != "" {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.TrimRight(p.Footer, "\n"))
	}
}

func (p Program) list(w io.Writer, cmds []Command) {
	width := 0
	for _, c := range cmds {
		width = max(width, len(displayName(p.Name, c)))
	}
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-*s  %s\n", width, displayName(p.Name, c), c.Summary)
	}
}

// groupUsage lists the commands of a group ("testbed up") with their
// synopses.
func (p Program) groupUsage(w io.Writer, cmds []Command) {
	for _, c := range cmds {
		fmt.Fprintf(w, "Usage: %s\n       %s\n", synopsis(p.Name+" "+c.Name, c), c.Summary)
	}
}

func displayName(prog string, c Command) string {
	if c.Name == "" {
		return "(none)"
	}
	return c.Name
}

// Help prints a command's --help: synopsis, description, flags, exit codes.
func (p Program) Help(w io.Writer, c Command) {
	full := strings.TrimSpace(p.Name + " " + c.Name)
	fmt.Fprintf(w, "Usage: %s\n\n", synopsis(full, c))
	if c.Help != "" {
		fmt.Fprintln(w, strings.TrimRight(c.Help, "\n"))
		fmt.Fprintln(w)
	}
	fs, _ := c.FlagSet(p.Name)
	if PrintFlags(w, fs) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, ExitCodes)
}

func synopsis(full string, c Command) string {
	if c.Args != "" {
		return full + " " + c.Args + " [flags]"
	}
	return full + " [flags]"
}

// PrintFlags lists fs's flags as --name VALUE (a boolean as --name alone,
// since it takes no value) with their defaults, and returns how many.
func PrintFlags(w io.Writer, fs *flag.FlagSet) int {
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if n == 0 {
			fmt.Fprintln(w, "Flags:")
		}
		n++
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if IsBool(f) {
			name = ""
		}
		if name != "" {
			line += " " + strings.ToUpper(name)
		}
		if def := f.DefValue; !zeroDefault(f, def) {
			if name == "string" {
				def = fmt.Sprintf("%q", def)
			}
			usage += " (default " + def + ")"
		}
		fmt.Fprintf(w, "%s\n      %s\n", line, strings.ReplaceAll(usage, "\n", "\n      "))
	})
	return n
}

// IsBool reports whether f is a boolean flag (given without a value).
func IsBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

func zeroDefault(f *flag.Flag, def string) bool {
	switch def {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}

// Reorder moves flags ahead of positional arguments (so that both
// `edgerig run --quick SPEC` and `edgerig run SPEC --quick` work), which
// the standard flag package alone does not allow. "--" ends the flags.
func Reorder(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil && !IsBool(f) && i+1 < len(args) {
			flags = append(flags, args[i+1])
			i++
		}
	}
	if len(pos) > 0 {
		flags = append(flags, "--")
	}
	return append(flags, pos...)
}
