package probes

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/edgerig/edgerig/sample"
)

// A slow board and a hot one look alike in a CPU figure: the clocks,
// temperatures and firmware throttle flags tell them apart. Every file is
// optional (an x86 VM has none of them), found once at start and then kept
// open and re-read with pread like the hot path's /proc files.

// throttledPaths are where Raspberry Pi kernels expose the firmware's
// get_throttled word (the same bits as `vcgencmd get_throttled`), printed
// as bare hex ("50005\n"), by drivers/firmware/raspberrypi.c.
var throttledPaths = []string{
	"sys/devices/platform/soc/soc:firmware/get_throttled",
	"sys/devices/platform/firmware/get_throttled",
}

// The get_throttled bits.
const (
	bitUnderVoltage  = 1 << 0
	bitFreqCapped    = 1 << 1
	bitThrottled     = 1 << 2
	bitSoftTempLimit = 1 << 3
	bootShift        = 16 // the "has occurred since boot" forms
)

// smallBuf is the read buffer of a one-number sysfs file.
const smallBuf = 64

func openSmall(path string) (*statFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &statFile{path: path, f: f, fd: int(f.Fd()), buf: make([]byte, smallBuf)}, nil
}

// zone is one thermal zone's open temp file.
type zone struct {
	temp   *statFile
	label  string
	values map[string]float64
}

// hw holds the optional clock, thermal and throttle files.
type hw struct {
	freq      []*statFile // by core number; nil where the core has none
	zones     []*zone
	throttled *statFile
	thrVals   map[string]float64
}

// newHW opens what root has of cpufreq, thermal zones and get_throttled.
// Missing files are skipped: they are a property of the machine, not an
// error.
func newHW(root string) *hw {
	h := &hw{}
	cpus, _ := filepath.Glob(filepath.Join(root, "sys/devices/system/cpu/cpu[0-9]*/cpufreq/scaling_cur_freq"))
	for _, p := range cpus {
		name := filepath.Base(filepath.Dir(filepath.Dir(p)))
		n, err := strconv.Atoi(strings.TrimPrefix(name, "cpu"))
		if err != nil || n > 4096 {
			continue
		}
		f, err := openSmall(p)
		if err != nil {
			continue
		}
		for len(h.freq) <= n {
			h.freq = append(h.freq, nil)
		}
		h.freq[n] = f
	}
	zs, _ := filepath.Glob(filepath.Join(root, "sys/class/thermal/thermal_zone[0-9]*"))
	sort.Slice(zs, func(i, j int) bool { return zoneNum(zs[i]) < zoneNum(zs[j]) })
	used := map[string]bool{}
	for _, dir := range zs {
		f, err := openSmall(filepath.Join(dir, "temp"))
		if err != nil {
			continue
		}
		label := filepath.Base(dir)
		if t, err := os.ReadFile(filepath.Join(dir, "type")); err == nil && len(bytes.TrimSpace(t)) > 0 {
			label = string(bytes.TrimSpace(t))
		}
		if used[label] {
			label = label + "-" + strings.TrimPrefix(filepath.Base(dir), "thermal_zone")
		}
		used[label] = true
		z := &zone{temp: f, label: label, values: make(map[string]float64, 2)}
		if lim, ok := tripLimit(dir); ok {
			z.values[sample.TempLimitC] = lim
		}
		h.zones = append(h.zones, z)
	}
	for _, p := range throttledPaths {
		if f, err := openSmall(filepath.Join(root, p)); err == nil {
			h.throttled = f
			h.thrVals = make(map[string]float64, 8)
			break
		}
	}
	return h
}

func zoneNum(dir string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir), "thermal_zone"))
	return n
}

// tripLimit is the lowest passive, hot or critical trip point of a zone, in
// °C: where the kernel (or the firmware, which sets the same point on a
// Pi) starts slowing the board down.
func tripLimit(dir string) (float64, bool) {
	types, _ := filepath.Glob(filepath.Join(dir, "trip_point_[0-9]*_type"))
	best, ok := int64(0), false
	for _, tp := range types {
		t, err := os.ReadFile(tp)
		if err != nil {
			continue
		}
		switch string(bytes.TrimSpace(t)) {
		case "passive", "hot", "critical":
		default:
			continue
		}
		v, err := os.ReadFile(strings.TrimSuffix(tp, "_type") + "_temp")
		if err != nil {
			continue
		}
		m, err := parseMilli(v)
		if err != nil || m <= 0 {
			continue
		}
		if !ok || m < best {
			best, ok = m, true
		}
	}
	return float64(best) / 1000, ok
}

// freqMHz reads core i's current clock; ok is false where it has none or
// the read failed.
func (h *hw) freqMHz(i int) (float64, bool) {
	if i >= len(h.freq) || h.freq[i] == nil {
		return 0, false
	}
	b, err := h.freq[i].read()
	if err != nil {
		return 0, false
	}
	khz, err := parseSingle(b)
	if err != nil {
		return 0, false
	}
	return round(float64(khz)/1000, 1), true
}

// sample appends a thermal series per zone that answered and, on a Pi, the
// throttle series. A zone whose sensor fails a read (some return EINVAL
// while the device sleeps) is left out of that tick.
func (h *hw) sample(out []sample.Series) []sample.Series {
	for _, z := range h.zones {
		b, err := z.temp.read()
		if err != nil {
			continue
		}
		m, err := parseMilli(b)
		if err != nil {
			continue
		}
		z.values[sample.TempC] = float64(m) / 1000
		out = append(out, sample.Series{Kind: sample.KindThermal, Label: z.label, Values: z.values})
	}
	if h.throttled != nil {
		if b, err := h.throttled.read(); err == nil {
			if bits, err := parseHex(b); err == nil {
				throttleValues(bits, h.thrVals)
				out = append(out, sample.Series{Kind: sample.KindThrottle, Values: h.thrVals})
			}
		}
	}
	return out
}

// throttleValues spells out the get_throttled word as 0/1 metrics.
func throttleValues(bits uint64, v map[string]float64) {
	flag := func(b uint64) float64 {
		if bits&b != 0 {
			return 1
		}
		return 0
	}
	v[sample.UnderVoltage] = flag(bitUnderVoltage)
	v[sample.FreqCapped] = flag(bitFreqCapped)
	v[sample.Throttled] = flag(bitThrottled)
	v[sample.SoftTempLimit] = flag(bitSoftTempLimit)
	v[sample.UnderVoltageBoot] = flag(bitUnderVoltage << bootShift)
	v[sample.FreqCappedBoot] = flag(bitFreqCapped << bootShift)
	v[sample.ThrottledBoot] = flag(bitThrottled << bootShift)
	v[sample.SoftTempLimitBoot] = flag(bitSoftTempLimit << bootShift)
}

// parseMilli reads a signed integer (a thermal zone's millidegrees, which
// some sensors report below zero).
func parseMilli(b []byte) (int64, error) {
	b = bytes.TrimSpace(b)
	neg := len(b) > 0 && b[0] == '-'
	if neg {
		b = b[1:]
	}
	v, ok := atou(b)
	if !ok || v > 1<<62 {
		return 0, fmt.Errorf("not a number: %q", b)
	}
	if neg {
		return -int64(v), nil
	}
	return int64(v), nil
}

// parseHex reads get_throttled's bare hex word (an optional 0x is
// accepted, for a file written from vcgencmd's output).
func parseHex(b []byte) (uint64, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X') {
		b = b[2:]
	}
	if len(b) == 0 || len(b) > 16 {
		return 0, fmt.Errorf("not a hex word: %q", b)
	}
	var v uint64
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint64(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | uint64(c-'A'+10)
		default:
			return 0, fmt.Errorf("not a hex word: %q", b)
		}
	}
	return v, nil
}

func (h *hw) close() {
	for _, f := range h.freq {
		f.close()
	}
	for _, z := range h.zones {
		z.temp.close()
	}
	h.throttled.close()
}
