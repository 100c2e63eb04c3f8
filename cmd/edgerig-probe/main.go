// Command edgerig-probe is the agent edgerig places on every host: it
// samples host, per-core, per-container, daemon and its own CPU and memory
// at a fixed interval and streams them as sample records (one JSON line per
// tick) to stdout, spooling them locally so that a reader that lost its SSH
// session can resume without a gap. Run `edgerig-probe --help` for the
// contract the runner relies on.
package main

import (
	"flag"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/edgerig/edgerig/internal/cli"
)

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
                          machine's), used = usage - inactive file;
                          oom_kills: the kernel's count of OOM kills in the
                          node's memory cgroup (read every 5 s)
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

// program is the probe's command table (internal/cli): every command
// answers --help and takes its flags in any order.
func program() cli.Program {
	return cli.Program{
		Name:  "edgerig-probe",
		Intro: helpText,
		Commands: []cli.Command{
			{Summary: "stream sample records to stdout until stdin EOF or SIGTERM", Flags: streamFlags,
				Help: "Streams sample records (one JSON object per line) to stdout until stdin reaches\nEOF or SIGTERM/SIGINT arrives, then exits 0. See edgerig-probe --help for the\nseries and metrics."},
			{Name: "daemon", Summary: "start a detached sampler that appends to a spool", Flags: daemonFlags,
				Help: "Starts a detached sampler (new session, stdio on /dev/null) that appends records\nto the spool, and returns once the pidfile is written, printing nothing. The\nsampler exits on SIGTERM, or after --orphan-timeout with no tail attached."},
			{Name: "tail", Summary: "write spooled records after a seq, then follow new ones", Flags: tailFlags,
				Help: "Writes every spooled record with seq > SEQ (FILE.1, then FILE) to stdout, then\nfollows new ones until stdin reaches EOF."},
			{Name: "stop", Summary: "stop a daemon by its pidfile", Flags: stopFlags,
				Help: "Sends SIGTERM to the daemon, waits up to 5 s (then SIGKILL) and removes the\npidfile; exit 0 also when nothing was running."},
			{Name: "clock", Summary: "answer each stdin line with the wall clock in Unix ns",
				Help: "Answers each line read on stdin with the wall clock in Unix nanoseconds and a\nnewline, flushed at once, until stdin EOF.",
				Flags: func(*flag.FlagSet) cli.Action {
					return func(_ []string, stdio cli.IO) error { return runClock(stdio.In, stdio.Out) }
				}},
			{Name: "version", Summary: "print the version (also --version)", Help: "Prints the version.",
				Flags: func(*flag.FlagSet) cli.Action {
					return func(_ []string, stdio cli.IO) error { printVersion(stdio.Out); return nil }
				}},
		},
		Version: printVersion,
	}
}

func realMain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return program().Main(args, cli.IO{In: stdin, Out: stdout, Err: stderr})
}
