package cli

import (
	"context"
	"errors"
	"flag"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A program of two hand-made commands, one in a group, run through Main.
func testProgram(ran *[]string) Program {
	act := func(name string) func(fs *flag.FlagSet) Action {
		return func(fs *flag.FlagSet) Action {
			v := fs.Bool("v", false, "verbose")
			n := fs.Int("n", 1, "how many `times`")
			return func(args []string, stdio IO) error {
				*ran = append(*ran, name+" "+strings.Join(args, " ")+" v="+map[bool]string{true: "1", false: "0"}[*v]+" n="+strconv.Itoa(*n))
				switch {
				case len(args) > 0 && args[0] == "fail":
					return errors.New("it failed")
				case len(args) > 0 && args[0] == "bad":
					return UsageError{Msg: "bad input"}
				case len(args) > 0 && args[0] == "stop":
					ctx, cancel := context.WithCancel(context.Background())
					cancel()
					return Interrupted(ctx, "prog one", errors.New("context canceled"))
				}
				return nil
			}
		}
	}
	return Program{Name: "prog", Commands: []Command{
		{Name: "one", Args: "[X]", MaxArgs: 1, Summary: "first", Flags: act("one")},
		{Name: "grp two", Args: "X", MinArgs: 1, MaxArgs: 1, Summary: "second", Flags: act("two")},
	}}
}

func TestProgramMain(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		ran  string
		out  string
	}{
		{[]string{"one", "a", "-v", "--n", "3"}, 0, "one a v=1 n=3", ""},
		{[]string{"one", "--n=2", "a"}, 0, "one a v=0 n=2", ""},
		{[]string{"grp", "two", "b", "--v"}, 0, "two b v=1 n=1", ""},
		{[]string{"one", "fail"}, 1, "one fail v=0 n=1", "prog one: it failed"},
		{[]string{"one", "bad"}, 2, "one bad v=0 n=1", "prog one: bad input"},
		{[]string{"one", "stop"}, 130, "one stop v=0 n=1", "prog one: interrupted"},
		{[]string{"one", "a", "b"}, 2, "", "too many arguments"},
		{[]string{"grp", "two"}, 2, "", "missing X"},
		{[]string{"grp"}, 2, "", "prog grp: missing command"},
		{[]string{"grp", "three"}, 2, "", `prog grp: unknown command "three"`},
		{[]string{"grp", "--help"}, 0, "", "Usage: prog grp two X [flags]"},
		{[]string{"one", "--n", "x"}, 2, "", "invalid value"},
		{[]string{"one", "--help"}, 0, "", "  --n TIMES\n      how many times (default 1)\n"},
		{[]string{"one", "--help"}, 0, "", "  --v\n      verbose\n"},
		{[]string{"nope"}, 2, "", `unknown command "nope"`},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var ran []string
			var out, errb strings.Builder
			code := testProgram(&ran).Main(tc.args, IO{Out: &out, Err: &errb})
			require.Equal(t, tc.code, code, "stdout %s\nstderr %s", out.String(), errb.String())
			if tc.ran != "" {
				require.Equal(t, []string{tc.ran}, ran)
			} else {
				require.Empty(t, ran)
			}
			require.Contains(t, out.String()+errb.String(), tc.out)
		})
	}
}
