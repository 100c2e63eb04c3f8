package containers

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/edgerig/edgerig/nodebench"
)

// The calibration benchmark scores in its own unit (MB of input per
// second); the boards' published figures are 7-Zip ratings (MIPS). The two
// are tied on this machine by a reference measured once and cached: 7-Zip's
// own benchmark and edgerig-bench, one thread each, both per CPU second
// (7-Zip's R/U column, edgerig-bench's per_cpu_second), so that a machine
// busy with other work does not bend the reference. A board's rating then
// becomes a target score, and the node's quota q is set so that the node,
// when it gets its quota, scores it: q = target / (its score per CPU
// second, measured in the node under the quota). A busy machine can still
// keep a node below its quota; the calibration then says so rather than
// raise the quota, which would make the node too fast once the machine is
// quiet.

// Calibration is how a node's CPU quota was found.
type Calibration struct {
	// TargetMIPS is the board's multi-threaded 7-Zip rating scaled to the
	// node's cores; AchievedMIPS the node's last score in the same unit.
	TargetMIPS   float64 `json:"target_mips"`
	AchievedMIPS float64 `json:"achieved_mips"`
	// TargetScore and Score are the same in edgerig-bench's unit; Score is
	// the score the node reaches when it gets its quota (its score per CPU
	// second times the quota).
	TargetScore float64 `json:"target_score"`
	Score       float64 `json:"score"`
	// Raw is the last run's score as measured and Share the part of its
	// quota the node got during it (1 on a quiet machine).
	Raw        float64   `json:"raw_score"`
	Share      float64   `json:"quota_share"`
	Iterations int       `json:"iterations"`
	Converged  bool      `json:"converged"`
	Source     string    `json:"source"`
	Reference  Reference `json:"reference"`
}

// Reference ties edgerig-bench's unit to 7-Zip's on this machine.
type Reference struct {
	CPUModel string `json:"cpu_model"`
	SevenZip string `json:"seven_zip"` // its version line
	// SevenZipSingle is `7zz b -mmt1`'s total rating per CPU usage (R/U).
	SevenZipSingle float64 `json:"seven_zip_single_mips"`
	BenchVersion   string  `json:"bench_version"`
	// BenchSingle is edgerig-bench's score per CPU second, one worker.
	BenchSingle float64   `json:"bench_per_cpu_second"`
	Measured    time.Time `json:"measured"`
}

// MIPS converts an edgerig-bench score to 7-Zip MIPS on this machine.
func (r Reference) MIPS(score float64) float64 { return score * r.SevenZipSingle / r.BenchSingle }

// Score converts 7-Zip MIPS to an edgerig-bench score.
func (r Reference) Score(mips float64) float64 { return mips * r.BenchSingle / r.SevenZipSingle }

// calibration bounds: the search stops within tolerance (after at least
// minIter runs) or after maxIter runs of benchDuration each.
const (
	tolerance     = 0.03
	minIter       = 2 // a mean of at least two runs' speed
	maxIter       = 6
	benchDuration = 3 * time.Second
)

// sevenZipNames are 7-Zip's command names: Debian's 7zip package installs
// 7zz, p7zip 7z and 7za.
var sevenZipNames = []string{"7zz", "7z", "7za"}

// LoadReference returns the cached reference for this machine, measuring
// it (about a minute: 7-Zip's benchmark runs every dictionary size) when
// there is none. bench is the edgerig-bench binary.
func LoadReference(ctx context.Context, cacheDir, bench string, progress io.Writer) (Reference, error) {
	sz := ""
	for _, n := range sevenZipNames {
		if p, err := exec.LookPath(n); err == nil {
			sz = p
			break
		}
	}
	if sz == "" {
		return Reference{}, errors.New("calibration needs 7-Zip on this machine to tie the benchmark to the boards' published 7-Zip figures: apt-get install 7zip (make deps does)")
	}
	model := cpuModel()
	verOut, _ := exec.CommandContext(ctx, sz).Output()
	ver := firstLine(string(verOut))
	h := sha256.Sum256([]byte("per-cpu-second\x00" + model + "\x00" + ver + "\x00" + nodebench.Version))
	path := filepath.Join(cacheDir, "calibration", "reference-"+hex.EncodeToString(h[:8])+".json")
	if b, err := os.ReadFile(path); err == nil {
		var r Reference
		if json.Unmarshal(b, &r) == nil && r.SevenZipSingle > 0 && r.BenchSingle > 0 {
			return r, nil
		}
	}
	fmt.Fprintf(progress, "calibration: measuring this machine's reference (7-Zip and edgerig-bench, one thread each; about a minute, once)\n")
	r := Reference{CPUModel: model, SevenZip: ver, BenchVersion: nodebench.Version, Measured: time.Now().UTC()}
	// The benchmark before and after 7-Zip; the best of each is the least
	// disturbed by whatever else the machine runs.
	for i := range 2 {
		s, err := hostBench(ctx, bench)
		if err != nil {
			return Reference{}, err
		}
		r.BenchSingle = max(r.BenchSingle, s)
		if i == 0 {
			if r.SevenZipSingle, err = sevenZipSingle(ctx, sz); err != nil {
				return Reference{}, err
			}
		}
	}
	fmt.Fprintf(progress, "calibration: 7-Zip %.0f MIPS and edgerig-bench %.2f per CPU second on one thread of %s\n", r.SevenZipSingle, r.BenchSingle, model)
	b, _ := json.MarshalIndent(r, "", "  ")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		writeAtomic(path, append(b, '\n'), 0o644)
	}
	return r, nil
}

func hostBench(ctx context.Context, bench string) (float64, error) {
	out, err := exec.CommandContext(ctx, bench, "cpu", "--workers", "1", "--duration", "3s").Output()
	if err != nil {
		return 0, fmt.Errorf("calibration: %s cpu: %w", bench, err)
	}
	var r nodebench.CPUResult
	if err := json.Unmarshal(out, &r); err != nil || r.PerCPUSecond <= 0 {
		return 0, fmt.Errorf("calibration: %s cpu printed %q", bench, strings.TrimSpace(string(out)))
	}
	return r.PerCPUSecond, nil
}

// sevenZipSingle runs `7zz b -mmt1` and returns its total rating per CPU
// usage.
func sevenZipSingle(ctx context.Context, sz string) (float64, error) {
	out, err := exec.CommandContext(ctx, sz, "b", "-mmt1").Output()
	if err != nil {
		return 0, fmt.Errorf("calibration: %s b -mmt1: %w", sz, err)
	}
	v, err := ParseSevenZipTotal(out)
	if err != nil {
		return 0, fmt.Errorf("calibration: %s b -mmt1: %w", sz, err)
	}
	return v, nil
}

// ParseSevenZipTotal reads the total rating per CPU usage (MIPS, the R/U
// column: the rating at 100 % of one core, whatever share the benchmark
// got), the middle of the three numbers of the "Tot:" line of 7-Zip's
// benchmark output (usage %, R/U, rating).
func ParseSevenZipTotal(out []byte) (float64, error) {
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 4 && f[0] == "Tot:" {
			v, err := strconv.ParseFloat(f[2], 64)
			if err != nil || v <= 0 {
				return 0, fmt.Errorf("unreadable Tot: line %q", sc.Text())
			}
			return v, nil
		}
	}
	return 0, errors.New("no Tot: line in the benchmark's output")
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSpace(s)
}

// NodeScore runs edgerig-bench on node with one worker per envelope core
// for d and returns what it measured.
func (tb *Testbed) NodeScore(ctx context.Context, node string, d time.Duration) (nodebench.CPUResult, error) {
	n, err := tb.Node(node)
	if err != nil {
		return nodebench.CPUResult{}, err
	}
	workers := 1
	if n.Envelope != nil {
		workers = n.Envelope.Cores
	}
	out, err := tb.exec(ctx, node, BenchPath, "cpu", "--workers", strconv.Itoa(workers), "--duration", d.String())
	if err != nil {
		return nodebench.CPUResult{}, err
	}
	var r nodebench.CPUResult
	if err := json.Unmarshal([]byte(out), &r); err != nil || r.Score <= 0 || r.PerCPUSecond <= 0 {
		return nodebench.CPUResult{}, fmt.Errorf("%s: edgerig-bench cpu printed %q", node, strings.TrimSpace(out))
	}
	return r, nil
}

// Share is the part of its quota a run got: CPU seconds over quota × the
// run's wall time (warm-up included).
func Share(r nodebench.CPUResult, quotaCores float64) float64 {
	wall := r.Seconds * 1.1
	if quotaCores <= 0 || wall <= 0 {
		return 0
	}
	return r.CPUSeconds / (quotaCores * wall)
}

// calibrate sets n's quota so that the node, getting its quota, scores
// the board's rating: q = target / (score per CPU second in the node, the
// mean over the runs so far, or the reference's when that is faster),
// re-measured under the new quota until q moves
// less than the tolerance (the speed per CPU second depends a little on the
// slicing a quota imposes, and varies by a few per cent between runs);
// bounded by maxIter runs.
func (tb *Testbed) calibrate(ctx context.Context, n *Node, b Board, ref Reference, progress io.Writer) error {
	e := n.Envelope
	if b.CPU == nil {
		e.Notes = append(e.Notes, "CPU quota not calibrated: no published 7-Zip figure for "+b.Name)
		return nil
	}
	c := &Calibration{TargetMIPS: b.CPU.Multi * float64(e.Cores) / float64(b.Cores), Source: b.CPU.Source, Reference: ref}
	c.TargetScore = ref.Score(c.TargetMIPS)
	cores := float64(e.Cores)
	q := min(c.TargetScore/ref.BenchSingle, cores)
	sumSpeed := 0.0
	for c.Iterations < maxIter {
		if err := tb.setQuota(ctx, *n, q); err != nil {
			return err
		}
		r, err := tb.NodeScore(ctx, n.Name, benchDuration)
		if err != nil {
			return fmt.Errorf("calibrating %s as %s: %w", n.Name, b.Name, err)
		}
		c.Iterations++
		e.QuotaCores, c.Raw, c.Share = q, r.Score, Share(r, q)
		// The speed per CPU second varies by a few per cent from run to
		// run; its mean over the runs so far steadies the quota.
		sumSpeed += r.PerCPUSecond
		// Other work on the machine slows a CPU second too (shared caches
		// and cores): a node measured slower than the reference takes the
		// reference's speed, so that a busy moment at up does not leave a
		// quota too large for when the machine is quiet again.
		speed := max(sumSpeed/float64(c.Iterations), ref.BenchSingle)
		c.Score = speed * q
		next := min(c.TargetScore/speed, cores)
		fmt.Fprintf(progress, "testbed %s: %s as %s: quota %.3f cores: %.2f per CPU second (mean of %d runs %.2f), so %.2f at its quota (target %.2f; 7-Zip %.0f of %.0f MIPS); measured %.2f with %.0f %% of the quota\n",
			tb.ID, n.Name, b.Name, q, r.PerCPUSecond, c.Iterations, speed, c.Score, c.TargetScore, ref.MIPS(c.Score), c.TargetMIPS, r.Score, 100*c.Share)
		if c.Iterations >= minIter && math.Abs(next/q-1) <= tolerance {
			c.Converged = true
			break
		}
		if q >= cores && next >= cores {
			break
		}
		q = max(next, 0.01)
	}
	c.AchievedMIPS = ref.MIPS(c.Score)
	e.Calibration = c
	switch {
	case c.Score < c.TargetScore*(1-tolerance):
		e.Notes = append(e.Notes, fmt.Sprintf("CPU slower than the board: all %d cores of this machine score %.0f of the board's %.0f MIPS", e.Cores, c.AchievedMIPS, c.TargetMIPS))
	case !c.Converged:
		e.Notes = append(e.Notes, fmt.Sprintf("calibration stopped after %d runs with the quota still moving", c.Iterations))
	}
	if c.Share < 0.9 {
		e.Notes = append(e.Notes, fmt.Sprintf("this machine was busy during calibration: the node got %.0f %% of its quota (measured %.0f MIPS, %.0f at its quota)", 100*c.Share, ref.MIPS(c.Raw), c.AchievedMIPS))
	}
	return nil
}
