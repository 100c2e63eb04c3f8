package ssh_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/edgerig/edgerig/internal/testenv"
	"github.com/edgerig/edgerig/transport"
)

// FuzzQuote: whatever a spec holds, the command line this transport sends
// gives the program back the same argument under the shells a host may
// have as login shell (bash, dash). Seeds run as a unit test.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", " ", "a'b", `a"b`, "$(touch x)", "`x`", "; x", "\n", "\\", "'\\''", "ünï", "$'\\x41'", "!x", "{a,b}", "*", "~", "-n", "a\tb"} {
		f.Add(s)
	}
	var shells []string
	for _, sh := range []string{"bash", "dash"} {
		if p, err := exec.LookPath(sh); err == nil {
			shells = append(shells, p)
		}
	}
	if len(shells) == 0 {
		testenv.Missing(f, "bash or dash (a host's login shell) to check quoting against")
	}
	f.Fuzz(func(t *testing.T, s string) {
		if strings.ContainsRune(s, 0) {
			return // no argv can hold a NUL
		}
		line := "exec " + transport.Quote([]string{"printf", `%s\000`, s})
		for _, sh := range shells {
			out, err := exec.Command(sh, "-c", line).Output()
			if err != nil {
				t.Fatalf("%s -c %q: %v", sh, line, err)
			}
			if string(out) != s+"\x00" {
				t.Fatalf("%s: %q came back as %q", sh, s, out)
			}
		}
	})
}
