package facts

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestParseGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			in, err := os.ReadFile(file)
			require.NoError(t, err)
			f, err := Parse(string(in))
			require.NoError(t, err)
			got, err := json.MarshalIndent(f, "", "  ")
			require.NoError(t, err)
			golden := strings.TrimSuffix(file, ".txt") + ".golden.json"
			if *update {
				require.NoError(t, os.WriteFile(golden, append(got, '\n'), 0o644))
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./facts -update to create it")
			require.JSONEq(t, string(want), string(got))
		})
	}
}

// TestParseRaspberryPi pins the fields a report shows for a Pi, beyond the
// golden files.
func TestParseRaspberryPi(t *testing.T) {
	for _, tc := range []struct {
		file          string
		arch, model   string
		cpus, cgroup  int
		mem           int64
		docker, osStr string
	}{
		{"rpi3b-raspbian11-armv7l.txt", "armv7l", "Raspberry Pi 3 Model B Rev 1.2", 4, 1, 948108 * 1024, "20.10.21", "Raspbian GNU/Linux 11 (bullseye)"},
		{"rpi4b-arm64-nodevtree.txt", "aarch64", "Raspberry Pi 4 Model B Rev 1.4", 4, 2, 3882924 * 1024, "", "Debian GNU/Linux 12 (bookworm)"},
		{"debian12-container-nodaemon.txt", "x86_64", "", 2, 1, 0, "20.10.24+dfsg1 (client only: no daemon answered)", "Debian GNU/Linux 12 (bookworm)"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			f, err := Parse(string(in))
			require.NoError(t, err)
			require.Equal(t, tc.arch, f.Arch)
			if tc.model != "" {
				require.Equal(t, tc.model, f.Model)
			}
			require.Equal(t, tc.cpus, f.CPUs)
			require.Equal(t, tc.cgroup, f.CgroupVersion)
			if tc.mem != 0 {
				require.Equal(t, tc.mem, f.MemBytes)
			}
			require.Equal(t, tc.docker, f.DockerVersion)
			require.Equal(t, tc.osStr, f.OS)
		})
	}
}

func TestModel(t *testing.T) {
	for _, tc := range []struct{ name, devtree, cpuinfo, want string }{
		{"device tree wins", "Raspberry Pi 3 Model B Rev 1.2\n", "model name\t: ARMv7 Processor rev 4 (v7l)\n", "Raspberry Pi 3 Model B Rev 1.2"},
		{"x86", "", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n", "Intel(R) Xeon(R) CPU @ 2.20GHz"},
		{"pi without device tree", "", "processor\t: 0\nBogoMIPS\t: 108.00\n\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n", "Raspberry Pi 4 Model B Rev 1.4"},
		{"old arm kernel", "", "Processor\t: ARMv6-compatible processor rev 7 (v6l)\nHardware\t: BCM2708\n", "BCM2708"},
		{"nothing", "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, model(tc.devtree, tc.cpuinfo))
		})
	}
}

func TestParseCutShort(t *testing.T) {
	_, err := Parse("@@arch\nx86_64\n@@kernel\n")
	require.ErrorContains(t, err, "ends early")
}

func TestSmallParsers(t *testing.T) {
	require.Equal(t, 2, cgroupVersion("cgroup2fs\n"))
	require.Equal(t, 1, cgroupVersion("tmpfs\n"))
	require.Equal(t, 0, cgroupVersion(""))
	require.Equal(t, 3, cpus("", "processor : 0\nprocessor : 1\nprocessor : 2\n"))
	require.Equal(t, int64(1024*1024), diskTotal("Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/x 1024 1 1 1% /\n"))
	require.Equal(t, int64(0), diskTotal("df: /: permission denied\n"))
	require.Equal(t, int64(2048), memTotal("MemTotal: 2 kB\n"))
	require.Equal(t, "Alpine Linux v3.19", osName("NAME=\"Alpine Linux\"\nPRETTY_NAME='Alpine Linux v3.19'\n"))
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, s string) {
		fa, err := Parse(s)
		if err == nil && (fa.CPUs < 0 || fa.MemBytes < 0 || fa.DiskBytes < 0) {
			t.Fatalf("negative sizes from %q: %+v", s, fa)
		}
	})
}
