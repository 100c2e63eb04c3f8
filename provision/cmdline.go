package provision

import "strings"

// CgroupFlags are the kernel parameters Raspberry Pi OS needs before the
// memory cgroup exists (it is off by default there), which Kubernetes
// refuses to run without.
var CgroupFlags = []string{"cgroup_enable=memory", "cgroup_memory=1"}

// multiValued are kernel parameters that may be given several times, each
// with its own value.
var multiValued = map[string]bool{"cgroup_enable": true, "cgroup_disable": true, "console": true}

// MissingFlags returns the flags of want that cmdline lacks. A flag
// name=value is present only with that exact value.
func MissingFlags(cmdline string, want []string) []string {
	have := map[string]bool{}
	for _, f := range strings.Fields(cmdline) {
		have[f] = true
	}
	var missing []string
	for _, w := range want {
		if !have[w] {
			missing = append(missing, w)
		}
	}
	return missing
}

// AddFlags returns cmdline.txt with the flags of want added or corrected.
// The Pi firmware reads only the file's first line, so the result is
// always exactly one line ending in a newline, whatever the input had:
// further lines are joined onto it, runs of spaces collapse. A flag whose
// name is present with another value (cgroup_memory=0) gets want's value
// in place, except for parameters the kernel takes several times
// (cgroup_enable=cpuset cgroup_enable=memory); new flags go to the end.
// It is idempotent.
func AddFlags(cmdline string, want []string) string {
	words := strings.Fields(cmdline)
	for _, w := range want {
		name, _, hasValue := strings.Cut(w, "=")
		replace := hasValue && !multiValued[name]
		found := false
		for i, f := range words {
			fname, _, _ := strings.Cut(f, "=")
			if f == w || (replace && fname == name) {
				if !found {
					words[i] = w
				} else {
					words[i] = "" // a second copy of the flag: drop it
				}
				found = true
			}
		}
		if !found {
			words = append(words, w)
		}
	}
	out := words[:0]
	for _, f := range words {
		if f != "" {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ") + "\n"
}
