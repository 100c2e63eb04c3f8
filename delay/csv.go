package delay

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"
)

// FilesHeader is the header of delays.csv: one row per submitted file,
// stages in milliseconds on the runner's clock, summing to delay_ms.
var FilesHeader = []string{"trial", "collector", "seq", "name", "token", "intended_unix_ms", "batch_unix_ms",
	"late_ms", "create_write_ms", "rename_ms", "batch_wait_ms", "queue_ms", "execution_ms", "printing_ms",
	"delay_ms", "bound_ms", "token_seen", "lost"}

// BatchesHeader is the header of batches.csv: one row per batch the job
// reported, times on the runner's clock.
var BatchesHeader = []string{"trial", "batch_unix_ms", "files", "total_delay_ms", "execution_ms", "print_end_unix_ms"}

// WriteFiles writes files as rows of delays.csv (header when asked).
func WriteFiles(w io.Writer, trial string, files []File, header bool) error {
	cw := csv.NewWriter(w)
	if header {
		_ = cw.Write(FilesHeader)
	}
	for _, f := range files {
		row := []string{trial, f.Collector, strconv.Itoa(f.Seq), f.Name, f.Token, unixMS(f.Intended), "",
			"", "", "", "", "", "", "", "", "", f.TokenSeen, f.Lost}
		if f.Lost == "" {
			row[6] = unixMS(f.Batch)
			for i, d := range []time.Duration{f.Late, f.CreateWrite, f.Rename, f.BatchWait, f.Queue, f.Execution, f.Printing, f.Delay, f.Bound} {
				row[7+i] = ms(d)
			}
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("delays.csv: %w", err)
	}
	return nil
}

// WriteBatches writes batches as rows of batches.csv.
func WriteBatches(w io.Writer, trial string, batches []Batch, driver Clock, header bool) error {
	cw := csv.NewWriter(w)
	if header {
		_ = cw.Write(BatchesHeader)
	}
	for _, b := range batches {
		row := []string{trial, unixMS(driver.toRunner(b.Time)), strconv.Itoa(len(b.Files)), "", "", ""}
		if b.HaveDelay {
			row[3], row[4] = ms(b.Total), ms(b.Exec)
		}
		if !b.PrintEnd.IsZero() {
			row[5] = unixMS(driver.toRunner(b.PrintEnd))
		}
		_ = cw.Write(row)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("batches.csv: %w", err)
	}
	return nil
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 3, 64) }

func unixMS(t time.Time) string {
	return strconv.FormatFloat(float64(t.UnixNano())/1e6, 'f', 3, 64)
}

// Row is one row of delays.csv as read back: times in milliseconds, the
// stages in the order of FilesHeader. Lost rows have no stages.
type Row struct {
	Trial, Collector, Name, Token, TokenSeen, Lost string
	Seq                                            int
	IntendedMS, BatchMS                            float64
	// Late, CreateWrite, Rename, BatchWait, Queue, Execution, Printing.
	Stages           [7]float64
	DelayMS, BoundMS float64
}

// StageNames name Row.Stages, for tables and figures.
var StageNames = [7]string{"scheduling lateness", "CREATE+write", "RENAME", "wait for the batch boundary",
	"queued in Spark", "execution", "printing"}

// ReadFiles reads delays.csv; a malformed row is an error naming its line
// and column.
func ReadFiles(r io.Reader, name string) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(FilesHeader)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty: want the header %v", name, FilesHeader)
	}
	var out []Row
	for i, rec := range recs[1:] {
		line := i + 2
		num := func(col int) float64 {
			if err != nil || rec[col] == "" {
				return 0
			}
			v, perr := strconv.ParseFloat(rec[col], 64)
			if perr != nil {
				err = fmt.Errorf("%s:%d: column %s: %q is not a number", name, line, FilesHeader[col], rec[col])
			}
			return v
		}
		row := Row{Trial: rec[0], Collector: rec[1], Name: rec[3], Token: rec[4], TokenSeen: rec[16], Lost: rec[17]}
		seq, serr := strconv.Atoi(rec[2])
		if serr != nil {
			return nil, fmt.Errorf("%s:%d: column seq: %q is not a number", name, line, rec[2])
		}
		row.Seq = seq
		row.IntendedMS, row.BatchMS = num(5), num(6)
		for s := range row.Stages {
			row.Stages[s] = num(7 + s)
		}
		row.DelayMS, row.BoundMS = num(14), num(15)
		if err != nil {
			return nil, err
		}
		if row.Lost == "" && rec[14] == "" {
			return nil, fmt.Errorf("%s:%d: a file neither lost nor with a delay", name, line)
		}
		out = append(out, row)
	}
	return out, nil
}

// BatchRow is one row of batches.csv as read back.
type BatchRow struct {
	Trial               string
	BatchMS, PrintEndMS float64 // PrintEndMS 0: never printed
	Files               int
	TotalMS, ExecMS     float64
	HaveDelay           bool
}

// ReadBatches reads batches.csv.
func ReadBatches(r io.Reader, name string) ([]BatchRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(BatchesHeader)
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var out []BatchRow
	for i, rec := range recs {
		if i == 0 {
			continue
		}
		var b BatchRow
		var perr error
		num := func(col int) float64 {
			if rec[col] == "" || perr != nil {
				return 0
			}
			v, e := strconv.ParseFloat(rec[col], 64)
			if e != nil {
				perr = fmt.Errorf("%s:%d: column %s: %q is not a number", name, i+1, BatchesHeader[col], rec[col])
			}
			return v
		}
		b.Trial = rec[0]
		b.BatchMS = num(1)
		b.Files = int(num(2))
		b.TotalMS, b.ExecMS, b.HaveDelay = num(3), num(4), rec[3] != ""
		b.PrintEndMS = num(5)
		if perr != nil {
			return nil, perr
		}
		out = append(out, b)
	}
	return out, nil
}
