package probes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		total     cpuTimes
		cores     []cpuTimes
		wantError bool
	}{
		{name: "two cores",
			in:    "cpu  10 1 5 100 4 0 2 3 7 0\ncpu0 5 1 2 50 2 0 1 1 0 0\ncpu1 5 0 3 50 2 0 1 2 7 0\nintr 1\n",
			total: cpuTimes{busy: 10 + 1 + 5 + 2 + 3, total: 10 + 1 + 5 + 2 + 3 + 100 + 4},
			cores: []cpuTimes{{busy: 10, total: 62}, {busy: 11, total: 63}}},
		{name: "old kernel with four fields", in: "cpu 1 2 3 4\ncpu0 1 2 3 4\n",
			total: cpuTimes{busy: 6, total: 10}, cores: []cpuTimes{{busy: 6, total: 10}}},
		{name: "offline core leaves a hole", in: "cpu 2 0 0 2\ncpu0 1 0 0 1\ncpu2 1 0 0 1\n",
			total: cpuTimes{busy: 2, total: 4}, cores: []cpuTimes{{1, 2}, {}, {1, 2}}},
		{name: "no cpu line", in: "intr 1\n", wantError: true},
		{name: "garbage", in: "cpu a b c d\n", wantError: true},
		{name: "too few fields", in: "cpu 1 2\n", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var total cpuTimes
			cores, err := parseProcStat([]byte(tt.in), &total, nil)
			if tt.wantError {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.total, total)
			require.Equal(t, tt.cores, cores)
		})
	}
}

func TestParseCapturedFiles(t *testing.T) {
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", p))
		require.NoError(t, err)
		return b
	}
	t.Run("meminfo", func(t *testing.T) {
		m, err := parseMeminfo(read("v2/proc/meminfo"))
		require.NoError(t, err)
		require.Equal(t, memInfo{total: 944268 * 1024, avail: 702536 * 1024}, m)
		_, err = parseMeminfo([]byte("MemTotal: 1 kB\n"))
		require.Error(t, err)
	})
	t.Run("net/dev skips lo", func(t *testing.T) {
		rx, tx, err := parseNetDev(read("v2/proc/net/dev"))
		require.NoError(t, err)
		require.Equal(t, uint64(1048576+1000), rx)
		require.Equal(t, uint64(524288+2000), tx)
	})
	t.Run("pid stat", func(t *testing.T) {
		ps, err := parsePidStat(read("v2/proc/412/stat"))
		require.NoError(t, err)
		require.Equal(t, procStat{ticks: 1500 + 700, rss: 21000}, ps)
		ps, err = parsePidStat([]byte("7 (a) b (c)) S 1 1 1 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 9 100 33 0"))
		require.NoError(t, err, "a command name with spaces and parentheses")
		require.Equal(t, procStat{ticks: 33, rss: 33}, ps)
		_, err = parsePidStat([]byte("7 (a) S 1 2"))
		require.Error(t, err)
	})
	t.Run("v1 memory.stat", func(t *testing.T) {
		v, err := parseKey(read("v1/sys/fs/cgroup/memory/docker/e79268521b341df087cbe91a467417e789aa73f9e9ffc6ff8a140a346e1f40b8/memory.stat"), "total_rss")
		require.NoError(t, err)
		require.Equal(t, uint64(17592320), v)
		_, err = parseKey([]byte("inactive_file 1\n"), "total_inactive_file")
		require.Error(t, err, "inactive_file is not total_inactive_file")
	})
	t.Run("v2 cpu.stat", func(t *testing.T) {
		v, err := parseKey(read("v2/sys/fs/cgroup/system.slice/containerd.service/cpu.stat"), "usage_usec")
		require.NoError(t, err)
		require.Equal(t, uint64(9000000), v)
	})
}

func TestContainerID(t *testing.T) {
	const id = "3f4a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a"
	tests := []struct {
		name string
		ok   bool
	}{
		{id, true},
		{"docker-" + id + ".scope", true},
		{"cri-containerd-" + id + ".scope", true},
		{"crio-" + id + ".scope", true},
		{"-" + id + ".scope", true},
		{id + ".scope", false},
		{"docker-" + id[:63] + ".scope", false},
		{"docker-" + id + ".slice", false},
		{"3F4A" + id[4:], false},
		{"pod6b1f0c2e_1d2a_4f3b_9c8d_7e6f5a4b3c2d", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := containerID(tt.name)
			require.Equal(t, tt.ok, ok)
			if ok {
				require.Equal(t, id, got)
			}
		})
	}
}

func TestDiscoverLayout(t *testing.T) {
	tests := []struct {
		tree    string
		version int
		cpu     string
	}{
		{"v1", 1, "sys/fs/cgroup/cpuacct"},
		{"v2", 2, "sys/fs/cgroup"},
		{"dind-sub", 1, "sys/fs/cgroup/cpuacct"},
		{"dind-full", 1, "sys/fs/cgroup/cpuacct/docker/aaaa1111bbbb2222cccc3333dddd4444eeee5555ffff6666aaaa7777bbbb8888"},
	}
	for _, tt := range tests {
		t.Run(tt.tree, func(t *testing.T) {
			root := filepath.Join("testdata", tt.tree)
			lay, err := discoverLayout(root)
			require.NoError(t, err)
			require.Equal(t, tt.version, lay.version)
			require.Equal(t, filepath.Join(root, tt.cpu), lay.cpuBase)
		})
	}
	_, err := discoverLayout(t.TempDir())
	require.Error(t, err)
}

func TestUnescapeMount(t *testing.T) {
	require.Equal(t, "/mnt/a b", unescapeMount(`/mnt/a\040b`))
	require.Equal(t, `/x\9`, unescapeMount(`/x\9`))
}

func FuzzParsePidStat(f *testing.F) {
	f.Add([]byte("412 (kubelet) S 1 412 412 0 -1 4194560 50000 0 10 0 1500 700 0 0 20 0 14 0 900 1200000000 21000 4294967295"))
	f.Add([]byte("1 ())) S"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = parsePidStat(b)
	})
}

func FuzzParseProcStat(f *testing.F) {
	f.Add([]byte("cpu  10 1 5 100 4 0 2 3 7 0\ncpu0 5 1 2 50 2 0 1 1 0 0\n"))
	f.Add([]byte("cpu4096 1 1 1 1\ncpu 1 1 1 1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var total cpuTimes
		cores, err := parseProcStat(b, &total, nil)
		if err == nil {
			require.LessOrEqual(t, len(cores), 4097)
		}
	})
}

func FuzzParseDirents(f *testing.F) {
	f.Add(make([]byte, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseDirents(b, func([]byte) {})
	})
}
