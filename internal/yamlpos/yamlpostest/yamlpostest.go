// Package yamlpostest holds the check that the spec and inventory fuzzers
// share: whatever a loader refuses, it refuses with positioned lines.
package yamlpostest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// RequirePositioned fails t unless err is a non-empty *yamlpos.Errors
// whose every line starts with file:LINE:COL.
func RequirePositioned(t *testing.T, err error, file string) {
	t.Helper()
	positioned := regexp.MustCompile(`^` + regexp.QuoteMeta(file) + `:[1-9][0-9]*:[1-9][0-9]*: .`)
	es, ok := err.(*yamlpos.Errors)
	if !ok || len(*es) == 0 {
		t.Fatalf("error is not a non-empty *Errors: %T %v", err, err)
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !positioned.MatchString(line) {
			t.Fatalf("error line without a position: %q", line)
		}
	}
}
