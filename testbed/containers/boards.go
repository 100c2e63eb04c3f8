package containers

import (
	"fmt"
	"slices"
	"strings"
)

// A Board is what a testbed node can pose as: the published figures of a
// Raspberry Pi model that an envelope reproduces. Every figure names its
// source; a figure nobody published is left at zero and the envelope says
// so instead of guessing.
type Board struct {
	Name  string // as given to --as: rpi2, rpi3, rpi3b+, rpi4, rpi5
	Model string
	Cores int
	// Memory is the RAM of the model emulated; for boards sold in several
	// sizes the envelope picks one and MemoryNote says which and why.
	Memory     int64
	MemoryNote string
	// NetBits is the Ethernet rate in bit/s, NetNote its origin.
	NetBits int64
	NetNote string
	// DiskBps is the SD card's sequential throughput ceiling in bytes/s
	// (0: none known), DiskNote its origin.
	DiskBps  int64
	DiskNote string
	// CPU is the board's published 7-Zip LZMA benchmark figure, the kind of
	// work the calibration benchmark does; nil where none was found.
	CPU *SevenZip
}

// SevenZip is a board's 7-Zip benchmark rating (`7z b`, total of
// compression and decompression, MIPS).
type SevenZip struct {
	Multi  float64 // all cores
	Single float64 // one thread
	Setup  string  // clock, kernel and userland of the measurement
	Source string
}

// sbcBench is the table every CPU figure comes from: Thomas Kaiser's
// sbc-bench, whose results list 7-Zip multi- and single-threaded ratings per
// board from logged runs with their throttling state.
const sbcBench = "sbc-bench Sorted-Results.md (github.com/ThomasKaiser/sbc-bench), run log "

const (
	mib = int64(1) << 20
	gib = int64(1) << 30
)

// Boards is every board an envelope can pose as.
var Boards = []Board{
	{
		Name: "rpi2", Model: "Raspberry Pi 2 Model B (BCM2836, 4× Cortex-A7 900 MHz)", Cores: 4,
		Memory: 1 * gib, MemoryNote: "1 GB, the only size made",
		NetBits: 100e6, NetNote: "100 Mbit/s Ethernet (LAN9514 on USB 2.0)",
		DiskBps: 20e6, DiskNote: "about 20 MB/s: the SD bus at its default clock (raspberrypi.stackexchange.com question 43618)",
		CPU: &SevenZip{Multi: 2150, Single: 620, Setup: "900 MHz, kernel 5.10, Raspberry Pi OS Bullseye",
			Source: sbcBench + "results/3MGs.txt"},
	},
	{
		Name: "rpi3", Model: "Raspberry Pi 3 Model B (BCM2837, 4× Cortex-A53 1.2 GHz)", Cores: 4,
		Memory: 1 * gib, MemoryNote: "1 GB, the only size made",
		NetBits: 100e6, NetNote: "100 Mbit/s Ethernet (LAN9514 on USB 2.0)",
		DiskBps: 20e6, DiskNote: "about 20 MB/s: the SD bus at its default clock, as on the Pi 2 (raspberrypi.stackexchange.com question 43618)",
		CPU: &SevenZip{Multi: 2970, Single: 977, Setup: "1200 MHz, kernel 5.15, Raspbian Sid",
			Source: sbcBench + "results/4hOP.txt"},
	},
	{
		Name: "rpi3b+", Model: "Raspberry Pi 3 Model B+ (BCM2837B0, 4× Cortex-A53 1.4 GHz)", Cores: 4,
		Memory: 1 * gib, MemoryNote: "1 GB, the only size made",
		NetBits: 300e6, NetNote: "about 300 Mbit/s: Gigabit Ethernet (LAN7515) behind USB 2.0",
		DiskBps: 20e6, DiskNote: "about 20 MB/s: the SD bus at its default clock, as on the Pi 2 and 3 (raspberrypi.stackexchange.com question 43618)",
		CPU: &SevenZip{Multi: 3670, Single: 1046, Setup: "1400 MHz with a fan (no throttling), kernel 4.14, Raspbian Stretch",
			Source: sbcBench + "results/1isD.txt"},
	},
	{
		Name: "rpi4", Model: "Raspberry Pi 4 Model B (BCM2711, 4× Cortex-A72 1.8 GHz)", Cores: 4,
		Memory: 4 * gib, MemoryNote: "4 GB chosen of the 1/2/4/8 GB models (the most common)",
		NetBits: 1e9, NetNote: "1 Gbit/s Ethernet (BCM54213 on the SoC)",
		DiskBps: 50e6, DiskNote: "50 MB/s: the ceiling of the DDR50 SD bus mode the Pi 4 uses (Raspberry Pi documentation, SD cards), not a measurement",
		CPU: &SevenZip{Multi: 5940, Single: 1738, Setup: "1800 MHz, kernel 5.10, Raspberry Pi OS Bullseye",
			Source: sbcBench + "results/3N94.txt"},
	},
	{
		Name: "rpi5", Model: "Raspberry Pi 5 (BCM2712, 4× Cortex-A76 2.4 GHz)", Cores: 4,
		Memory: 4 * gib, MemoryNote: "4 GB chosen of the 2/4/8/16 GB models",
		NetBits: 1e9, NetNote: "1 Gbit/s Ethernet (through RP1)",
		DiskBps: 90e6, DiskNote: "about 90 MB/s: where SDR104 reads plateau on a Pi 5 (brainiky.org, 'Raspberry Pi 5: enabling DDR200 mode')",
		CPU: &SevenZip{Multi: 11830, Single: 3305, Setup: "2400 MHz, kernel 6.6, Bookworm arm64",
			Source: sbcBench + "results/8-NK.txt"},
	},
}

// LookupBoard finds a board by its --as name.
func LookupBoard(name string) (Board, error) {
	i := slices.IndexFunc(Boards, func(b Board) bool { return b.Name == name })
	if i < 0 {
		return Board{}, fmt.Errorf("unknown board %q: want one of %s", name, strings.Join(BoardNames(), ", "))
	}
	return Boards[i], nil
}

// BoardNames lists the names --as accepts.
func BoardNames() []string {
	var out []string
	for _, b := range Boards {
		out = append(out, b.Name)
	}
	return out
}

// ParseAs reads --as: one board for every node, or a comma-separated list
// with one board per node.
func ParseAs(s string, nodes int) ([]Board, error) {
	if s == "" {
		return nil, nil
	}
	names := strings.Split(s, ",")
	if len(names) != 1 && len(names) != nodes {
		return nil, fmt.Errorf("--as %q: give one board, or one per node (%d)", s, nodes)
	}
	out := make([]Board, nodes)
	for i := range nodes {
		name := strings.TrimSpace(names[min(i, len(names)-1)])
		b, err := LookupBoard(name)
		if err != nil {
			return nil, fmt.Errorf("--as: %w", err)
		}
		out[i] = b
	}
	return out, nil
}
