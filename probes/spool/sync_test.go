package spool

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Append fsyncs the spool once SyncEvery has passed, and not on every
// record (an fsync per tick would wear an SD card and cost the probe).
func TestAppendSyncsAtABoundedInterval(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "spool.jsonl"), 0)
	require.NoError(t, err)
	defer w.Close()
	now := time.Unix(1000, 0)
	w.now = func() time.Time { return now }
	w.lastSync = now
	w.SyncEvery = 2 * time.Second

	now = now.Add(time.Second)
	require.NoError(t, w.Append([]byte(`{"v":1,"seq":1}`)))
	require.Equal(t, time.Unix(1000, 0), w.lastSync, "no sync before SyncEvery")
	now = now.Add(1500 * time.Millisecond)
	require.NoError(t, w.Append([]byte(`{"v":1,"seq":2}`)))
	require.Equal(t, now, w.lastSync, "synced once SyncEvery had passed")
}
