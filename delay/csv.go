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
