// Package probes reads what edgerig-probe reports: host CPU, memory and
// network from /proc, per-container CPU and memory straight from cgroup files
// (v1 and v2, cgroupfs and systemd drivers, Docker and kubepods), the system
// daemons the PyMon paper singles out, each core's clock, every thermal
// zone's temperature and a Raspberry Pi's firmware throttle flags (where the
// machine has them), and the probe's own cost. Run inside a container (a
// container-testbed node), its host series are the node's cgroup, not the
// shared kernel's whole machine.
//
// The probe runs beside the workload it measures, on machines as small as a
// Raspberry Pi 2, so the hot path keeps every file descriptor open and reads
// with pread into reused buffers: no open/close, no regexp and (almost) no
// allocation per tick. Reading a file is split from parsing its bytes, so the
// parsers are tested on captured /proc and /sys/fs/cgroup trees in testdata/.
//
// Names (container names, images, services, pods) are not resolved here: a
// container series is labelled with the container's full 64-hex ID and the
// runner resolves it through the Docker API. Keeping a Docker client out of
// the probe keeps it small.
package probes
