// Package facts learns what a host is before a run — architecture, board
// model, kernel, cgroup version, Docker version, CPUs, memory, disk — and
// how far its clock is from the runner's, all through a transport, so the
// same code serves this machine, a container testbed and a Raspberry Pi.
//
// Reading is split from parsing: Gather runs one small POSIX shell script
// that prints every source in a marked section, and Parse turns that text
// into results.HostFacts. The parsers are tested on outputs captured from
// real machines (testdata/).
package facts

import (
	"context"
	"fmt"

	"github.com/edgerig/edgerig/results"
	"github.com/edgerig/edgerig/transport"
)

// script prints each source after a "@@name" line. One session for all of
// them: on a Pi behind a jump host every round trip counts. Nothing in it
// comes from a spec. Docker may be missing, or hang with a stuck daemon:
// its answer is bounded by timeout(1) where there is one.
const script = `echo @@arch; uname -m
echo @@kernel; uname -r
echo @@model; if [ -r /proc/device-tree/model ]; then tr -d '\000' < /proc/device-tree/model; echo; fi
echo @@cpuinfo; cat /proc/cpuinfo
echo @@nproc; getconf _NPROCESSORS_ONLN 2>/dev/null
echo @@meminfo; cat /proc/meminfo
echo @@os; cat /etc/os-release 2>/dev/null
echo @@cgroupfs; stat -fc %T /sys/fs/cgroup/ 2>/dev/null
echo @@selfcgroup; cat /proc/self/cgroup 2>/dev/null
echo @@cg2node; if [ -e /sys/fs/cgroup/memory.current ]; then echo yes; fi
echo @@df; df -Pk / 2>/dev/null
echo @@docker
if command -v docker >/dev/null 2>&1; then
  T=; if command -v timeout >/dev/null 2>&1; then T="timeout 5"; fi
  $T docker version --format '{{.Server.Version}}' 2>/dev/null || docker --version 2>/dev/null
fi
echo @@end
`

// Gather learns the facts of the host behind t. Name, Address, Roles,
// Labels and the clock offset are left for the caller (see ClockOffset).
func Gather(ctx context.Context, t transport.Transport) (results.HostFacts, error) {
	out, err := transport.Output(ctx, t, "sh", "-c", script)
	if err != nil {
		return results.HostFacts{}, fmt.Errorf("gather host facts: %w", err)
	}
	f, err := Parse(out)
	if err != nil {
		return f, fmt.Errorf("gather host facts: %w", err)
	}
	return f, nil
}
