package probes

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/sample"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// copyTree copies a captured tree into a temporary directory that the test
// may change between two ticks.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	require.NoError(t, err)
	return dst
}

// selfStat is the probe's own /proc/self/stat in a test tree: written by
// the test (not captured), in the kernel's format, for a process named
// edgerig-probe with 150 ticks of CPU and 2000 pages resident.
const selfStat = "4242 (edgerig-probe) S 1 4242 4242 0 -1 4194560 900 0 0 0 100 50 0 0 20 0 5 0 1000 750000000 2000 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n"

// advance makes the tree look one tick later: the second /proc/stat
// capture (stat.2) when there is one, every container's CPU counter moved
// on by 100 ms more than the previous one's (in path order), and every
// process's utime (the daemons' and the probe's own) by 5 ticks more than
// the previous one's, so that each reads a different, known share of a
// core over one second.
func advance(t *testing.T, root string) {
	t.Helper()
	if b, err := os.ReadFile(filepath.Join(root, "proc/stat.2")); err == nil {
		require.NoError(t, os.WriteFile(filepath.Join(root, "proc/stat"), b, 0o644))
	}
	pidStats, err := filepath.Glob(filepath.Join(root, "proc", "*", "stat"))
	require.NoError(t, err)
	sort.Strings(pidStats)
	for i, p := range pidStats {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		s := string(b)
		close := strings.LastIndexByte(s, ')')
		require.Positive(t, close, p)
		f := strings.Fields(s[close+1:])
		// f[0] is field 3 (state); utime is field 14.
		v, err := strconv.ParseUint(f[11], 10, 64)
		require.NoError(t, err)
		f[11] = strconv.FormatUint(v+uint64(i+1)*5, 10)
		require.NoError(t, os.WriteFile(p, []byte(s[:close+1]+" "+strings.Join(f, " ")+"\n"), 0o644))
	}
	var cpuFiles []string
	require.NoError(t, filepath.WalkDir(filepath.Join(root, "sys"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && (d.Name() == "cpuacct.usage" || d.Name() == "cpu.stat") {
			cpuFiles = append(cpuFiles, p)
		}
		return err
	}))
	sort.Strings(cpuFiles)
	for i, p := range cpuFiles {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		add := uint64(i+1) * 100_000_000 // ns
		var out string
		if filepath.Base(p) == "cpuacct.usage" {
			v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
			require.NoError(t, err)
			out = strconv.FormatUint(v+add, 10) + "\n"
		} else {
			lines := strings.Split(string(b), "\n")
			for j, l := range lines {
				if f := strings.Fields(l); len(f) == 2 && f[0] == "usage_usec" {
					v, err := strconv.ParseUint(f[1], 10, 64)
					require.NoError(t, err)
					lines[j] = "usage_usec " + strconv.FormatUint(v+add/1000, 10)
				}
			}
			out = strings.Join(lines, "\n")
		}
		require.NoError(t, os.WriteFile(p, []byte(out), 0o644))
	}
}

// TestSamplerGolden runs the whole sampler on captured trees: this Debian
// VM's cgroup v1 (cgroupfs driver), a cgroup v2 Pi-like host (systemd
// driver, kubepods.slice and k3s's kubepods), and a docker-in-docker testbed
// node seen with its cgroup prefix stripped by the mount (dind-sub) or not
// (dind-full, where a neighbour node's containers must stay invisible).
func TestSamplerGolden(t *testing.T) {
	for _, tree := range []string{"v1", "v2", "dind-sub", "dind-full"} {
		t.Run(tree, func(t *testing.T) {
			root := copyTree(t, filepath.Join("testdata", tree))
			require.NoError(t, os.MkdirAll(filepath.Join(root, "proc", "self"), 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(root, "proc", "self", "stat"), []byte(selfStat), 0o644))
			s, err := New(Options{Root: root, Containers: true, Daemons: []string{"dockerd", "containerd", "kubelet"}})
			require.NoError(t, err)
			defer s.Close()
			t0 := time.Unix(1_700_000_000, 0)
			_, ok, err := s.Sample(t0)
			require.NoError(t, err)
			require.False(t, ok, "the first tick only primes the counters")
			advance(t, root)
			rec, ok, err := s.Sample(t0.Add(time.Second))
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, uint64(1), rec.Seq)

			// The probe's own series reads the tree's proc/self/stat; only
			// its sample cost is this test process's, so it is checked and
			// left out of the golden record.
			sawProbe := false
			for _, se := range rec.Series {
				if se.Kind == sample.KindProbe {
					sawProbe = true
					require.Contains(t, se.Values, sample.SampleCostMicro)
					delete(se.Values, sample.SampleCostMicro)
				}
			}
			require.True(t, sawProbe)
			got, err := json.MarshalIndent(rec, "", " ")
			require.NoError(t, err)
			golden := filepath.Join("testdata", "golden", tree+".json")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
				require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err)
			require.JSONEq(t, string(want), string(got))
		})
	}
}

// TestContainerDisappears removes a container's cgroup between ticks, as
// runc does when a container stops: it must be gone from the next record.
func TestContainerDisappears(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v1"))
	s, err := New(Options{Root: root, Containers: true})
	require.NoError(t, err)
	defer s.Close()
	t0 := time.Unix(1_700_000_000, 0)
	_, _, err = s.Sample(t0)
	require.NoError(t, err)
	rec, ok, err := s.Sample(t0.Add(time.Second))
	require.NoError(t, err)
	require.True(t, ok)
	require.Len(t, containerIDs(rec), 3)
	gone := "16fd1e8f34ffd47b409e52dac8ecaf82ef49d2c1e48cb0fafc21ee758fff5282"
	for _, h := range []string{"cpuacct", "memory"} {
		require.NoError(t, os.RemoveAll(filepath.Join(root, "sys/fs/cgroup", h, "docker", gone)))
	}
	rec, ok, err = s.Sample(t0.Add(2 * time.Second))
	require.NoError(t, err)
	require.True(t, ok)
	ids := containerIDs(rec)
	require.Len(t, ids, 2)
	require.NotContains(t, ids, gone)
	require.Equal(t, uint64(2), rec.Seq)
}

func containerIDs(rec sample.Record) []string {
	var ids []string
	for _, s := range rec.Series {
		if s.Kind == sample.KindContainer {
			ids = append(ids, s.Label)
		}
	}
	return ids
}

// TestParentDirectoryGone: a pod directory that held containers is
// forgotten once it is removed, and a container appearing in a known parent
// is reported from the tick after it is seen (its first CPU reading).
func TestParentDirectoryGone(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v2"))
	s, err := New(Options{Root: root, Containers: true})
	require.NoError(t, err)
	defer s.Close()
	t0 := time.Unix(1_700_000_000, 0)
	_, _, err = s.Sample(t0)
	require.NoError(t, err)
	pod := "kubepods/besteffort/pod0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a"
	require.Contains(t, s.cs.parents, pod)
	require.NoError(t, os.RemoveAll(filepath.Join(root, "sys/fs/cgroup", pod)))

	// A new container under system.slice (a parent listed on every tick).
	id := "c0ffee" + strings.Repeat("0", 58)
	newDir := filepath.Join(root, "sys/fs/cgroup/system.slice/docker-"+id+".scope")
	require.NoError(t, os.MkdirAll(newDir, 0o755))
	for name, content := range map[string]string{"cpu.stat": "usage_usec 100\n", "memory.current": "4096\n", "memory.stat": "inactive_file 0\n"} {
		require.NoError(t, os.WriteFile(filepath.Join(newDir, name), []byte(content), 0o644))
	}
	rec, _, err := s.Sample(t0.Add(time.Second))
	require.NoError(t, err)
	require.NotContains(t, s.cs.parents, pod)
	require.Len(t, containerIDs(rec), 2, "the pod's container is gone, the new one not primed yet")
	rec, _, err = s.Sample(t0.Add(2 * time.Second))
	require.NoError(t, err)
	require.Contains(t, containerIDs(rec), id)
}

// TestMemoryStatReread: a container's memory.stat (costly to generate on
// cgroup v1) is re-read when its usage moves, and at least every
// statEvery ticks when it does not.
func TestMemoryStatReread(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v1"))
	s, err := New(Options{Root: root, Containers: true})
	require.NoError(t, err)
	defer s.Close()
	id := "16fd1e8f34ffd47b409e52dac8ecaf82ef49d2c1e48cb0fafc21ee758fff5282"
	dir := filepath.Join(root, "sys/fs/cgroup/memory/docker", id)
	t0 := time.Unix(1_700_000_000, 0)
	_, _, err = s.Sample(t0)
	require.NoError(t, err)
	ws := func(i int) float64 {
		rec, ok, err := s.Sample(t0.Add(time.Duration(i) * time.Second))
		require.NoError(t, err)
		require.True(t, ok)
		return series(rec, sample.KindContainer, id)[sample.MemWorkingSet]
	}
	before := ws(1)
	// 64 KiB more inactive file pages, same usage: not re-read yet.
	st, err := os.ReadFile(filepath.Join(dir, "memory.stat"))
	require.NoError(t, err)
	usage, err := os.ReadFile(filepath.Join(dir, "memory.usage_in_bytes"))
	require.NoError(t, err)
	u, err := strconv.ParseUint(strings.TrimSpace(string(usage)), 10, 64)
	require.NoError(t, err)
	require.Greater(t, u, uint64(1<<20))
	var lines []string
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) == 2 && f[0] == "total_inactive_file" {
			l = "total_inactive_file " + strconv.Itoa(64<<10)
		}
		lines = append(lines, l)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "memory.stat"), []byte(strings.Join(lines, "\n")), 0o644))
	require.Equal(t, before, ws(2), "usage unchanged: memory.stat not read this tick")
	// The usage moves: read at once.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "memory.usage_in_bytes"), []byte(strconv.FormatUint(u+4096, 10)+"\n"), 0o644))
	require.Equal(t, float64(u+4096-(64<<10)), ws(3))
	// Unchanged usage, changed stat: re-read within statEvery ticks.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "memory.stat"), []byte("total_inactive_file 0\n"), 0o644))
	var got float64
	for i := 4; i < 4+statEvery; i++ {
		got = ws(i)
	}
	require.Equal(t, float64(u+4096), got)
}

// TestWalkWaitsForNewCgroup: the cgroup tree is walked for new parents only
// when /proc/cgroups' count moved (or forceScanEvery ticks passed), and a
// container in a new pod directory is found at the first walk after it.
func TestWalkWaitsForNewCgroup(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v2"))
	counts := func(n int) {
		body := fmt.Sprintf("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t%d\t1\nmemory\t0\t%d\t1\n", n, n)
		require.NoError(t, os.WriteFile(filepath.Join(root, "proc", "cgroups"), []byte(body), 0o644))
	}
	counts(40)
	s, err := New(Options{Root: root, Containers: true})
	require.NoError(t, err)
	defer s.Close()
	now := time.Unix(1_700_000_000, 0)
	tick := func() []string {
		now = now.Add(time.Second)
		rec, _, err := s.Sample(now)
		require.NoError(t, err)
		return containerIDs(rec)
	}
	for range rescanEvery + 1 {
		tick()
	}
	newPod := func(pod, id string) {
		dir := filepath.Join(root, "sys/fs/cgroup/kubepods/besteffort", pod, "cri-containerd-"+id+".scope")
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for name, content := range map[string]string{"cpu.stat": "usage_usec 100\n", "memory.current": "4096\n", "memory.stat": "inactive_file 0\n"} {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
		}
	}
	// A new pod while the count (wrongly) stays: not walked until forced.
	quiet := "beef" + strings.Repeat("0", 60)
	newPod("pod11111111-2222-3333-4444-555555555555", quiet)
	walked := s.cs.walked
	for range rescanEvery {
		require.NotContains(t, tick(), quiet)
	}
	require.Equal(t, walked, s.cs.walked, "no walk while the count stayed")
	found := false
	for range forceScanEvery {
		found = found || slices.Contains(tick(), quiet)
	}
	require.True(t, found, "found by the forced walk")

	// A new pod with the count moved: found at the next walk.
	id := "cafe" + strings.Repeat("0", 60)
	newPod("pod66666666-7777-8888-9999-000000000000", id)
	counts(42)
	found = false
	for range rescanEvery + 1 {
		found = found || slices.Contains(tick(), id)
	}
	require.True(t, found)
}

func TestCgroupCount(t *testing.T) {
	for in, want := range map[string]uint64{
		"#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t8\t1\ncpu\t1\t2\t1\n": 10,
		"#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t0\t120\t1":                  120,
	} {
		got, ok := cgroupCount([]byte(in))
		require.True(t, ok, in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "#only a header\n", "cpu 1 x 1\n", "cpu 1\n"} {
		_, ok := cgroupCount([]byte(bad))
		require.False(t, ok, bad)
	}
}
