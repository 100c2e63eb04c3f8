package probes

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
)

func TestCountCPUList(t *testing.T) {
	for in, want := range map[string]int{"0-3\n": 4, "0,2": 2, "0-1,4-7": 6, "3": 1, "": 0, "2-1": 0, "a": 0} {
		require.Equal(t, want, countCPUList([]byte(in)), in)
	}
}

// writeTree writes hand-written cgroup files (exact kernel formats) under
// root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		p = filepath.Join(root, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(c), 0o644))
	}
}

// TestNodeCgroupV2: a container node with a private cgroup namespace on a
// cgroup v2 host (/proc/self/cgroup shows "0::/"), limited to 2 CPUs by
// cpuset and 1.5 by quota and to 512 MiB: cpu_pct is of 1.5 cores, memory
// of 512 MiB. The tree is hand-written.
func TestNodeCgroupV2(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v2"))
	cg := "sys/fs/cgroup/"
	writeTree(t, root, map[string]string{
		"proc/self/cgroup":           "0::/\n",
		cg + "memory.current":        "314572800\n",
		cg + "memory.max":            "536870912\n",
		cg + "memory.stat":           "anon 209715200\nfile 104857600\ninactive_file 52428800\nactive_file 52428800\n",
		cg + "cpu.stat":              "usage_usec 1000000\nuser_usec 800000\nsystem_usec 200000\n",
		cg + "cpu.max":               "150000 100000\n",
		cg + "cpuset.cpus.effective": "0-1\n",
	})
	s, err := New(Options{Root: root})
	require.NoError(t, err)
	defer s.Close()
	require.Equal(t, AccountingNodeCgroup, s.Accounting())
	t0 := time.Unix(1_700_000_000, 0)
	_, _, err = s.Sample(t0)
	require.NoError(t, err)
	writeTree(t, root, map[string]string{cg + "cpu.stat": "usage_usec 1750000\nuser_usec 1500000\nsystem_usec 250000\n"})
	rec, ok, err := s.Sample(t0.Add(time.Second))
	require.NoError(t, err)
	require.True(t, ok)
	h := series(rec, sample.KindHost, "")
	require.Equal(t, 0.75, h[sample.CPUCores])
	require.Equal(t, 50.0, h[sample.CPUPct], "0.75 of the quota's 1.5 cores")
	require.Equal(t, float64(512<<20), h[sample.MemTotalBytes])
	require.Equal(t, float64(314572800-52428800), h[sample.MemUsedBytes])
	require.Equal(t, float64(512<<20-(314572800-52428800)), h[sample.MemAvailBytes])
	require.Equal(t, 1.0, h[sample.NodeCgroup])
	_, hasOOM := h[sample.OOMKills]
	require.False(t, hasOOM, "no memory.events: no count")
}

// TestNodeCgroupOOMKills: the node's OOM kill count (hand-written v2
// memory.events) is carried in the host series, read every oomEvery ticks.
func TestNodeCgroupOOMKills(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v2"))
	cg := "sys/fs/cgroup/"
	writeTree(t, root, map[string]string{
		"proc/self/cgroup":    "0::/\n",
		cg + "memory.current": "314572800\n",
		cg + "memory.max":     "536870912\n",
		cg + "memory.stat":    "anon 209715200\nfile 104857600\ninactive_file 52428800\nactive_file 52428800\n",
		cg + "memory.events":  "low 0\nhigh 0\nmax 3\noom 0\noom_kill 0\n",
		cg + "cpu.stat":       "usage_usec 1000000\nuser_usec 800000\nsystem_usec 200000\n",
	})
	s, err := New(Options{Root: root})
	require.NoError(t, err)
	defer s.Close()
	t0 := time.Unix(1_700_000_000, 0)
	var got []float64
	for i := range 2 * oomEvery {
		if i == 1 {
			writeTree(t, root, map[string]string{cg + "memory.events": "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n"})
		}
		rec, _, err := s.Sample(t0.Add(time.Duration(i) * time.Second))
		require.NoError(t, err)
		got = append(got, series(rec, sample.KindHost, "")[sample.OOMKills])
	}
	want := make([]float64, 2*oomEvery)
	for i := oomEvery; i < len(want); i++ {
		want[i] = 1
	}
	require.Equal(t, want, got, "the kill shows at the next read")
}

// TestNodeCgroupV1Limits: the v1 quota and cpuset hierarchies of a node
// (hand-written files); the cpuset is the tighter limit here.
func TestNodeCgroupV1Limits(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"cpu/cpu.cfs_quota_us":         "-1\n",
		"cpu/cpu.cfs_period_us":        "100000\n",
		"cpuset/cpuset.effective_cpus": "1\n",
	})
	lay := layout{version: 1, quotaBase: filepath.Join(dir, "cpu"), cpusetBase: filepath.Join(dir, "cpuset")}
	require.Equal(t, 1.0, nodeCores(lay))
	writeTree(t, dir, map[string]string{"cpu/cpu.cfs_quota_us": "50000\n"})
	require.Equal(t, 0.5, nodeCores(lay))
	require.Equal(t, 0.0, nodeCores(layout{version: 1}), "no limit known")
	require.Equal(t, uint64(0), parseLimit([]byte("9223372036854771712\n")))
	require.Equal(t, uint64(0), parseLimit([]byte("max\n")))
	require.Equal(t, uint64(1<<30), parseLimit([]byte("1073741824\n")))
}

// TestNodeCgroupUnreadable: in a container whose node cgroup cannot be
// read, the probe refuses to start rather than report the whole machine
// as the node.
func TestNodeCgroupUnreadable(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "dind-sub"))
	require.NoError(t, os.Remove(filepath.Join(root, "sys/fs/cgroup/cpuacct/cpuacct.usage")))
	_, err := New(Options{Root: root})
	require.ErrorContains(t, err, "node's cgroup is unreadable")
	require.ErrorContains(t, err, "cpuacct.usage")
}

// TestDaemonNames: the kernel keeps 15 bytes of a program's name, so a
// daemon named longer matches by them; a shim is not its daemon.
func TestDaemonNames(t *testing.T) {
	for _, tc := range []struct {
		comm, name string
		want       bool
	}{
		{"kube-controller", "kube-controller-manager", true},
		{"kube-apiserver", "kube-apiserver", true},
		{"kube-scheduler", "kube-scheduler", true},
		{"coredns", "coredns", true},
		{"k3s-server", "k3s", true},
		{"containerd-shim", "containerd", false},
		{"kube-controller", "kube-controller-x", true},
		{"kube-proxy", "kube-proxy-x", false},
	} {
		require.Equal(t, tc.want, matches([]byte(tc.comm), tc.name), "%s vs %s", tc.comm, tc.name)
	}
	require.Contains(t, DefaultDaemons, "kube-controller-manager")
	require.Len(t, DefaultDaemons, 10)
}

func TestAccounting(t *testing.T) {
	for _, tc := range []struct {
		tree   string
		v2node bool
		want   string
	}{
		{"v1", false, AccountingHost},
		{"v2", false, AccountingHost},
		{"v2", true, AccountingHost}, // its own cgroup is not "/": the machine's root
		{"dind-full", false, AccountingNodeCgroup},
		{"dind-sub", false, AccountingNodeCgroup},
	} {
		cg, err := os.ReadFile(filepath.Join("testdata", tc.tree, "proc/self/cgroup"))
		require.NoError(t, err)
		require.Equal(t, tc.want, Accounting(cg, tc.v2node), tc.tree)
		lay, err := discoverLayout(filepath.Join("testdata", tc.tree))
		require.NoError(t, err)
		require.Equal(t, tc.want == AccountingNodeCgroup, lay.inContainer, "discoverLayout agrees on %s", tc.tree)
	}
	require.Equal(t, AccountingNodeCgroup, Accounting([]byte("0::/\n"), true), "private cgroup namespace")
	require.Equal(t, AccountingHost, Accounting([]byte("0::/\n"), false))
}

// TestDaemonFoundAfterExec: a daemon launched through a shell that execs
// it (setsid sh -c '... exec kube-apiserver') is found even when a scan saw
// its PID while it was still the shell.
func TestDaemonFoundAfterExec(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proc", "4242")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	write := func(comm string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644))
		stat := "4242 (" + comm + ") S 1 4242 4242 0 -1 4194560 50000 0 10 0 1500 700 0 0 20 0 14 0 900 1200000000 21000 4294967295 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 2 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
	}
	d := newDaemons(root, []string{"kube-apiserver"})
	defer d.close()
	write("sh")
	d.scan()
	require.Empty(t, d.groups[0].procs, "the shell is not the daemon")
	write("kube-apiserver")
	d.scan()
	require.Contains(t, d.groups[0].procs, 4242, "found at the next scan, after the exec")

	// A PID that stays unmatched for settleScans scans is not read again.
	other := newDaemons(root, []string{"etcd"})
	defer other.close()
	for range settleScans + 1 {
		other.scan()
	}
	require.EqualValues(t, settleScans, other.known[4242])
	require.NoError(t, os.Remove(filepath.Join(dir, "comm")))
	other.scan() // would fail to read comm; settled PIDs are not read
	require.EqualValues(t, settleScans, other.known[4242])
}

// TestDaemonScanWaitsForNewPID: /proc is listed again only when the last
// PID in /proc/loadavg moved (or forceScanEvery ticks passed), and a
// process that appeared meanwhile is found at the first scan after it.
func TestDaemonScanWaitsForNewPID(t *testing.T) {
	root := t.TempDir()
	proc := filepath.Join(root, "proc")
	require.NoError(t, os.MkdirAll(proc, 0o755))
	loadavg := func(last int) {
		require.NoError(t, os.WriteFile(filepath.Join(proc, "loadavg"), []byte(fmt.Sprintf("0.08 0.24 1.34 1/169 %d\n", last)), 0o644))
	}
	start := func(pid int, comm string) {
		dir := filepath.Join(proc, strconv.Itoa(pid))
		require.NoError(t, os.MkdirAll(dir, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, "comm"), []byte(comm+"\n"), 0o644))
		stat := strconv.Itoa(pid) + " (" + comm + ") S 1 1 1 0 -1 4194560 50000 0 10 0 1500 700 0 0 20 0 14 0 900 1200000000 21000 4294967295 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 2 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
		require.NoError(t, os.WriteFile(filepath.Join(dir, "stat"), []byte(stat), 0o644))
	}
	loadavg(100)
	start(100, "init")
	d := newDaemons(root, []string{"etcd"})
	defer d.close()
	now := time.Now()
	ticks := func(n int) {
		for range n {
			now = now.Add(time.Second)
			d.sample(now, nil)
		}
	}
	ticks(rescanEvery * settleScans) // init settles
	require.Zero(t, d.unsettled)

	// etcd appears, but the last PID is (wrongly) left alone: not listed
	// until the forced scan.
	start(200, "etcd")
	scanned := d.scanned
	ticks(rescanEvery)
	require.Equal(t, scanned, d.scanned, "no scan while the last PID stayed")
	require.Empty(t, d.groups[0].procs)
	ticks(forceScanEvery)
	require.Contains(t, d.groups[0].procs, 200, "found by the forced scan")

	// A new PID is seen at the next scan tick.
	start(300, "etcd")
	loadavg(300)
	ticks(rescanEvery)
	require.Contains(t, d.groups[0].procs, 300)
}

// TestDaemonsWithoutLoadavgScanAlways: a tree without /proc/loadavg (a
// captured one) is listed at every scan tick.
func TestDaemonsWithoutLoadavgScanAlways(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(root, "proc"), 0o755))
	d := newDaemons(root, []string{"etcd"})
	defer d.close()
	require.Nil(t, d.pids.f)
	now := time.Now()
	for i := range 3 * rescanEvery {
		now = now.Add(time.Second)
		d.sample(now, nil)
		if i%rescanEvery == 0 {
			require.EqualValues(t, i, d.scanned)
		}
	}
}
