package containers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/inventory"
)

// Every board names the source of every figure it has, and the CPU
// figures are the kind of work the calibration does (7-Zip ratings).
func TestBoardsNameTheirSources(t *testing.T) {
	require.Equal(t, []string{"rpi2", "rpi3", "rpi3b+", "rpi4", "rpi5"}, BoardNames())
	for _, b := range Boards {
		require.NotEmpty(t, b.Model, b.Name)
		require.Equal(t, 4, b.Cores, b.Name)
		require.NotEmpty(t, b.MemoryNote, b.Name)
		require.NotEmpty(t, b.NetNote, b.Name)
		require.NotEmpty(t, b.DiskNote, b.Name)
		require.NotNil(t, b.CPU, b.Name)
		require.Contains(t, b.CPU.Source, "sbc-bench", b.Name)
		require.Greater(t, b.CPU.Multi, b.CPU.Single, b.Name)
	}
	// The order is the boards' generations: each scores above the last.
	for i := 1; i < len(Boards); i++ {
		require.Greater(t, Boards[i].CPU.Multi, Boards[i-1].CPU.Multi)
	}
}

func TestParseAs(t *testing.T) {
	bs, err := ParseAs("rpi2", 3)
	require.NoError(t, err)
	require.Len(t, bs, 3)
	require.Equal(t, "rpi2", bs[2].Name)
	bs, err = ParseAs("rpi4, rpi2", 2)
	require.NoError(t, err)
	require.Equal(t, []string{"rpi4", "rpi2"}, []string{bs[0].Name, bs[1].Name})
	bs, err = ParseAs("", 3)
	require.NoError(t, err)
	require.Nil(t, bs)
	_, err = ParseAs("rpi4,rpi2", 3)
	require.ErrorContains(t, err, "one per node (3)")
	_, err = ParseAs("rpi9", 1)
	require.ErrorContains(t, err, `unknown board "rpi9": want one of rpi2, rpi3, rpi3b+, rpi4, rpi5`)
}

func TestPlanEnvelopeSaysWhatItCouldNotMatch(t *testing.T) {
	b, err := LookupBoard("rpi2")
	require.NoError(t, err)

	e := planEnvelope(b, 2, 0, diskTarget{device: "/dev/vda", why: "storage limit partial: cgroup v1"})
	require.Equal(t, "0-1", e.Cpuset)
	require.Equal(t, 2, e.Cores)
	require.Equal(t, int64(1<<30), e.Memory)
	require.Equal(t, int64(100e6), e.NetBits)
	require.Equal(t, "/dev/vda", e.DiskDevice)
	require.Len(t, e.Notes, 2)
	require.Contains(t, e.Notes[0], "cores capped: the board has 4, this machine 2")
	r := e.resources()
	require.Equal(t, r.Memory, r.MemorySwap, "no swap")
	require.Equal(t, "/dev/vda", r.BlkioDeviceWriteBps[0].Path)
	require.Equal(t, uint64(20e6), r.BlkioDeviceReadBps[0].Rate)

	e = planEnvelope(b, 8, 5*time.Millisecond, diskTarget{why: "the Docker data root /x is on no block device"})
	require.Equal(t, "0-3", e.Cpuset)
	require.Equal(t, "5ms", e.Latency)
	require.Equal(t, []string{"storage not limited: the Docker data root /x is on no block device"}, e.Notes)
	require.Nil(t, e.resources().BlkioDeviceReadBps)
}

func TestQuota(t *testing.T) {
	require.Equal(t, int64(7222), quotaUS(0.3611, 20000))
	require.Equal(t, int64(1000), quotaUS(0.001, 20000), "the kernel's minimum")
}

func TestEnvelopeInTheInventory(t *testing.T) {
	nodes := testNodes(2)
	b, _ := LookupBoard("rpi2")
	e := planEnvelope(b, 2, 0, diskTarget{device: "/dev/vda"})
	e.QuotaCores = 0.361
	e.Calibration = &Calibration{TargetMIPS: 1075, AchievedMIPS: 1099}
	nodes[1].Envelope = &e
	got := HostsYAML("abc123", nodes)
	golden(t, "hosts-envelope.yaml", got)

	var doc struct {
		Hosts []struct {
			Labels map[string]string `yaml:"labels"`
		} `yaml:"hosts"`
	}
	require.NoError(t, yaml.Unmarshal(got, &doc))
	require.Equal(t, "container", doc.Hosts[0].Labels["hardware"])
	require.Equal(t, "rpi2 (emulated)", doc.Hosts[1].Labels["hardware"])
	require.Equal(t, "container envelope: cpuset 0-1 (2 cores), CPU quota 0.361 cores calibrated to 7-Zip 1075 MIPS (achieved 1099), "+
		"memory 1 GiB no swap, network 100 Mbit/s egress (tc tbf), storage 20 MB/s on /dev/vda", doc.Hosts[1].Labels["envelope"])

	// The inventory loader reads it.
	dir := t.TempDir()
	writeAtomic(dir+"/"+HostsFile, got, 0o644)
	for _, f := range []string{IdentityFile, KnownHostsFile} {
		writeAtomic(dir+"/"+f, nil, 0o600)
	}
	inv, err := inventory.Load(dir + "/" + HostsFile)
	require.NoError(t, err)
	hs, err := inv.Testbed("containers")
	require.NoError(t, err)
	require.Equal(t, "rpi2 (emulated)", hs[1].Labels["hardware"])
}

// The parser reads the total rating from a real capture of `7zz b -mmt1`
// (7-Zip 22.01 from Debian's 7zip package, on this project's x86 VM).
func TestParseSevenZipTotal(t *testing.T) {
	out := readTestdata(t, "7zz-b-mmt1.txt")
	v, err := ParseSevenZipTotal(out)
	require.NoError(t, err)
	require.Equal(t, 3173.0, v, "R/U: the rating per CPU usage")
	_, err = ParseSevenZipTotal([]byte("7-Zip (z) 22.01\nAvr: 1 2 3\n"))
	require.ErrorContains(t, err, "no Tot: line")
	_, err = ParseSevenZipTotal([]byte("Tot: 100 x y\n"))
	require.ErrorContains(t, err, "unreadable")
}

func TestReferenceConverts(t *testing.T) {
	r := Reference{SevenZipSingle: 3000, BenchSingle: 10}
	require.InDelta(t, 3.5, r.Score(1050), 1e-9)
	require.InDelta(t, 1050, r.MIPS(3.5), 1e-9)
}

func TestFindDiskOnThisMachine(t *testing.T) {
	d := findDisk("/", "1")
	// Either a device (then cgroup v1's limit is said to be partial) or why not.
	if d.device != "" {
		require.True(t, strings.HasPrefix(d.device, "/dev/"))
		require.Contains(t, d.why, "cgroup v1")
	} else {
		require.NotEmpty(t, d.why)
	}
	require.Contains(t, findDisk("/no/such/dir", "2").why, "is not on this machine")
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}
