// Command edgerig-probe is the agent edgerig places on every host: it
// samples host, per-core, per-container, daemon and its own CPU and memory
// at a fixed interval and streams them as sample records (one JSON line per
// tick) to stdout, spooling them locally so that a reader that lost its SSH
// session can resume without a gap. Run `edgerig-probe --help` for the
// contract the runner relies on.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
)

// usageError is bad input from the user: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const helpText = `edgerig-probe samples a host for edgerig and streams one JSON record per tick.

Usage:
  edgerig-probe [--interval 1s] [--containers=true]
                [--daemons kube-apiserver,etcd,kube-controller-manager,kube-scheduler,
                           kubelet,kube-proxy,coredns,containerd,dockerd,k3s]
                [--spool FILE] [--spool-max 8MiB] [--listen ADDR]
      Streams sample records (package sample, wire version 1: one JSON
      object per line, "seq" from 1, gap-free) to stdout until stdin reaches
      EOF or SIGTERM/SIGINT arrives, then exits 0. The first record comes
      after one interval (CPU percentages need a delta). With --spool every
      record is also appended to FILE (rotated to FILE.1 at --spool-max), and
      numbering continues after the last seq already in FILE.
  edgerig-probe daemon --spool FILE --pidfile FILE [--interval 1s]
                [--orphan-timeout 10m] [--containers=true] [--daemons ...]
                [--spool-max 8MiB]
      Starts a detached sampler (new session, stdio on /dev/null) that
      appends records to the spool, and returns once the pidfile is written,
      printing nothing. The sampler exits on SIGTERM, or after
      --orphan-timeout with no tail attached (a tail touches FILE.reader).
  edgerig-probe tail --spool FILE [--resume-from SEQ]
      Writes every spooled record with seq > SEQ (FILE.1, then FILE) to
      stdout, then follows new ones until stdin reaches EOF.
  edgerig-probe stop --pidfile FILE
      Sends SIGTERM to the daemon, waits up to 5 s (then SIGKILL) and
      removes the pidfile; exit 0 also when nothing was running.
  edgerig-probe clock
      Answers each line read on stdin with the wall clock in Unix
      nanoseconds and a newline, flushed at once, until stdin EOF.
  edgerig-probe version
      Prints the version.

Series (kind, label, metrics):
  host       -            cpu_pct (whole machine, 0-100), cpu_cores,
                          mem_used_bytes (total - available), mem_avail_bytes,
                          mem_total_bytes, net_rx_bytes, net_tx_bytes
                          (cumulative, all interfaces but lo).
                          In a container (a container-testbed node) they are
                          the node's cgroup instead, marked node_cgroup=1:
                          cpu_pct of the node's CPU limit (cpuset, quota; else
                          the machine's cores), memory of its limit (else the
                          machine's), used = usage - inactive file
  cpu        core number  cpu_pct of that core; freq_mhz where cpufreq has it
  thermal    zone type    temp_c; temp_limit_c (lowest passive/hot/critical
                          trip point) where the zone has one
  throttle   -            Raspberry Pi firmware flags, 0/1: under_voltage,
                          freq_capped, throttled, soft_temp_limit, and each
                          with _boot (has occurred since boot)
  container  full 64-hex container ID (for kubepods the ID in the cgroup path)
                          cpu_pct (of one core), cpu_cores, mem_usage_bytes,
                          mem_working_set_bytes (usage - inactive file; the
                          inactive file count, from memory.stat, is re-read
                          when the usage moves and at least every 10 s)
  daemon     name         cpu_pct (of one core), rss_bytes (summed over the
                          processes of that name; a name longer than 15
                          bytes matches its first 15, as the kernel keeps them)
  probe      -            cpu_pct, rss_bytes, sample_us (cost of this sample)
Files a machine lacks (cpufreq, thermal zones, get_throttled) are skipped.
Containers are read from cgroup v1 or v2 files (Docker cgroupfs and systemd
drivers, kubepods); names are left to the runner (Docker API).
`

func main() {
	// The probe allocates little, but Go's default GC pacing lets the heap
	// grow to 4 MB before the first collection; a lower target keeps the
	// probe's resident size near its live data (about 1 MB) at a cost of a
	// few more, tiny, collections. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(20)
	}
	// One sampling goroutine needs one P; fewer Ps mean fewer per-P caches
	// and threads (about 0.2 MB less resident).
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	os.Exit(realMain(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func realMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var err error
	sub := ""
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "":
		err = runStream(args, stdin, stdout, stderr)
	case "daemon":
		err = runDaemon(args, stderr)
	case "tail":
		err = runTail(args, stdin, stdout, stderr)
	case "stop":
		err = runStop(args, stderr)
	case "clock":
		err = runClock(args, stdin, stdout, stderr)
	case "version":
		err = runVersion(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, helpText)
	default:
		err = usageError{fmt.Sprintf("unknown command %q (see edgerig-probe --help)", sub)}
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(stderr, "edgerig-probe: %v\n", err)
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// newFlags makes a FlagSet whose --help prints the whole contract.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, helpText)
		fmt.Fprintf(stderr, "\nFlags of %s:\n", name)
		fs.PrintDefaults()
	}
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected arguments %q", fs.Name(), fs.Args())}
	}
	return nil
}
