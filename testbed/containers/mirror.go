package containers

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DefaultMirror is used when the machine's APT sources name no mirror for
// the suite.
const DefaultMirror = "http://deb.debian.org/debian"

// DetectMirror returns the Debian mirror that this machine's APT uses for
// suite, read from root/etc/apt/sources.list and root/etc/apt/sources.list.d
// (both one-line and deb822 formats). Using the machine's own mirror is what
// makes debootstrap work where only that mirror can be reached.
func DetectMirror(root, suite string) (string, error) {
	files := map[string][]byte{}
	paths, err := filepath.Glob(filepath.Join(root, "etc/apt/sources.list.d/*"))
	if err != nil {
		return "", fmt.Errorf("listing apt sources: %w", err)
	}
	paths = append([]string{filepath.Join(root, "etc/apt/sources.list")}, paths...)
	for _, p := range paths {
		if !strings.HasSuffix(p, ".list") && !strings.HasSuffix(p, ".sources") {
			continue
		}
		b, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("reading apt sources: %w", err)
		}
		files[p] = b
	}
	m, ok := MirrorFromSources(files, suite)
	if !ok {
		return DefaultMirror, nil
	}
	return m, nil
}

// MirrorFromSources picks, from the contents of APT source files keyed by
// their names (".list" one-line format, ".sources" deb822 format), the first
// binary ("deb") source whose suites include suite exactly. Files are read
// in name order, sources.list first, as APT does.
func MirrorFromSources(files map[string][]byte, suite string) (string, bool) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := strings.HasSuffix(names[i], "sources.list"), strings.HasSuffix(names[j], "sources.list")
		if a != b {
			return a
		}
		return names[i] < names[j]
	})
	for _, n := range names {
		var srcs []source
		if strings.HasSuffix(n, ".sources") {
			srcs = parseDeb822(files[n])
		} else {
			srcs = parseOneLine(files[n])
		}
		for _, s := range srcs {
			if s.deb && contains(s.suites, suite) && len(s.uris) > 0 {
				return strings.TrimSuffix(s.uris[0], "/"), true
			}
		}
	}
	return "", false
}

type source struct {
	deb    bool
	uris   []string
	suites []string
}

// parseOneLine reads "deb [options] URI suite component..." lines.
func parseOneLine(b []byte) []source {
	var out []source
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 3 || (f[0] != "deb" && f[0] != "deb-src") {
			continue
		}
		rest := f[1:]
		if strings.HasPrefix(rest[0], "[") {
			// Options may span several fields: "[ arch=amd64 signed-by=x ]".
			for len(rest) > 0 && !strings.HasSuffix(rest[0], "]") {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				continue
			}
			rest = rest[1:]
		}
		if len(rest) < 2 {
			continue
		}
		out = append(out, source{deb: f[0] == "deb", uris: rest[:1], suites: rest[1:2]})
	}
	return out
}

// parseDeb822 reads stanzas of "Field: value" lines separated by blank
// lines; only Types, URIs, Suites and Enabled matter here.
func parseDeb822(b []byte) []source {
	var out []source
	fields := map[string]string{}
	flush := func() {
		if len(fields) == 0 {
			return
		}
		if !strings.EqualFold(strings.TrimSpace(fields["enabled"]), "no") {
			out = append(out, source{
				deb:    contains(strings.Fields(fields["types"]), "deb"),
				uris:   strings.Fields(fields["uris"]),
				suites: strings.Fields(fields["suites"]),
			})
		}
		fields = map[string]string{}
	}
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				fields[last] += " " + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			last = strings.ToLower(strings.TrimSpace(k))
			fields[last] = strings.TrimSpace(v)
		}
	}
	flush()
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
