package delay

import (
	"bufio"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Batch is what the job told about one batch, times on the driver host's
// clock.
type Batch struct {
	Time  time.Time // the batch time T
	Files []string  // base names of the files it picked up
	// Total and Exec are the driver's "Total delay: X s … (execution: Y s)";
	// HaveDelay says whether that line was seen.
	Total, Exec time.Duration
	HaveDelay   bool
	// PrintStart and PrintEnd stamp pprint's header and the blank line that
	// ends its block; zero when the output was not seen.
	PrintStart, PrintEnd time.Time
	Words                []string // the words pprint showed
}

// Parser reads stamped lines ("<unix ns> <o|e> <text>", see
// fixtures/sparkjob/stamp.py) and collects batches. It is safe for one
// writer and concurrent readers.
type Parser struct {
	mu      sync.Mutex
	batches map[int64]*Batch
	order   []int64
	started time.Time // "StreamingContext started"

	inFiles   int64 // batch whose file list is being read, 0 when none
	block     *Batch
	blockStep int // 0 none, 1 after first dashes, 2 after Time, 3 records
	pending   time.Time
	bad       int
	lastErr   string
}

var (
	newFilesRE = regexp.MustCompile(`New files at time (\d+) ms:`)
	totalRE    = regexp.MustCompile(`Total delay: ([0-9.]+) s for time (\d+) ms \(execution: ([0-9.]+) s\)`)
	logLineRE  = regexp.MustCompile(`^\d\d/\d\d/\d\d \d\d:\d\d:\d\d `)
	wordRE     = regexp.MustCompile(`^\('(.*)', (\d+)\)$`)
)

const dashes = "-------------------------------------------"

// NewParser returns an empty parser.
func NewParser() *Parser { return &Parser{batches: map[int64]*Batch{}} }

// Read parses r line by line until it ends, calling each for every line
// (nil: none) after it is parsed.
func (p *Parser) Read(r io.Reader, each func(stamp time.Time, stream, text string)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		stamp, stream, text, err := splitStamped(sc.Text())
		if err != nil {
			p.mu.Lock()
			p.bad++
			p.lastErr = err.Error()
			p.mu.Unlock()
			continue
		}
		p.Line(stamp, stream, text)
		if each != nil {
			each(stamp, stream, text)
		}
	}
	return sc.Err()
}

func splitStamped(line string) (time.Time, string, string, error) {
	a, rest, ok := strings.Cut(line, " ")
	if !ok {
		return time.Time{}, "", "", fmt.Errorf("unstamped line %q", line)
	}
	ns, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return time.Time{}, "", "", fmt.Errorf("unstamped line %q", line)
	}
	stream, text, _ := strings.Cut(rest, " ")
	return time.Unix(0, ns), stream, text, nil
}

// Line parses one line written at stamp to stream "o" (stdout) or "e".
func (p *Parser) Line(stamp time.Time, stream, text string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stream == "o" {
		p.stdout(stamp, text)
		return
	}
	if p.inFiles != 0 {
		if t := strings.TrimSpace(text); !logLineRE.MatchString(text) && (strings.Contains(t, "://") || strings.HasPrefix(t, "/")) {
			b := p.batch(p.inFiles)
			b.Files = append(b.Files, path.Base(t))
			return
		}
		p.inFiles = 0
	}
	switch {
	case strings.Contains(text, "StreamingContext started") && p.started.IsZero():
		p.started = stamp
	case strings.Contains(text, "New files at time"):
		if m := newFilesRE.FindStringSubmatch(text); m != nil {
			ms, _ := strconv.ParseInt(m[1], 10, 64)
			p.inFiles = ms
			p.batch(ms)
		}
	case strings.Contains(text, "Total delay:"):
		if m := totalRE.FindStringSubmatch(text); m != nil {
			ms, _ := strconv.ParseInt(m[2], 10, 64)
			b := p.batch(ms)
			b.Total, b.Exec, b.HaveDelay = seconds(m[1]), seconds(m[3]), true
		}
	}
}

// stdout follows pprint's block: dashes, "Time: …", dashes, records, "".
func (p *Parser) stdout(stamp time.Time, text string) {
	switch {
	case text == dashes && p.blockStep != 2:
		p.blockStep, p.pending, p.block = 1, stamp, nil
	case p.blockStep == 1 && strings.HasPrefix(text, "Time: "):
		t, err := parseBatchTime(strings.TrimPrefix(text, "Time: "))
		if err != nil {
			p.blockStep = 0
			return
		}
		p.block = p.batch(t.UnixMilli())
		p.block.PrintStart = p.pending
		p.blockStep = 2
	case p.blockStep == 2 && text == dashes:
		p.blockStep = 3
	case p.blockStep == 3 && text == "":
		p.block.PrintEnd = stamp
		p.blockStep, p.block = 0, nil
	case p.blockStep == 3:
		if m := wordRE.FindStringSubmatch(text); m != nil {
			p.block.Words = append(p.block.Words, m[1])
		}
	}
}

// parseBatchTime reads pprint's header: Python's str(datetime) in the
// driver's zone, which the job runs with TZ=UTC.
func parseBatchTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02 15:04:05"} {
		if t, err := time.ParseInLocation(layout, strings.TrimSpace(s), time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("batch time %q", s)
}

func seconds(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Second))
}

func (p *Parser) batch(ms int64) *Batch {
	b, ok := p.batches[ms]
	if !ok {
		b = &Batch{Time: time.UnixMilli(ms)}
		p.batches[ms] = b
		p.order = append(p.order, ms)
	}
	return b
}

// Batches returns a copy of every batch seen so far, in the order first
// seen.
func (p *Parser) Batches() []Batch {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Batch, 0, len(p.order))
	for _, ms := range p.order {
		b := *p.batches[ms]
		b.Files = append([]string(nil), b.Files...)
		b.Words = append([]string(nil), b.Words...)
		out = append(out, b)
	}
	return out
}

// Started is when the driver logged "StreamingContext started" (zero
// before).
func (p *Parser) Started() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started
}

// Unreadable is how many lines were not stamped, and the last one's error.
func (p *Parser) Unreadable() (int, string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bad, p.lastErr
}
