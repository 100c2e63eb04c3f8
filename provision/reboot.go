package provision

import (
	"context"
	"fmt"
	"time"
)

// rebootScript restarts the host a moment after the command has returned,
// so that the SSH session ends cleanly rather than being cut.
const rebootScript = `nohup sh -c 'sleep 2; systemctl reboot || reboot' >/dev/null 2>&1 &`

// reboot restarts the host and waits until it answers SSH again with a
// new boot id, then learns it afresh. It gives up after RebootTimeout.
func (w *worker) reboot(ctx context.Context) error {
	if w.host.Local {
		return errLocalReboot
	}
	before := w.h.BootID
	w.pr.printf("%s: rebooting for the boot flags", w.host.Name)
	if err := w.h.run(ctx, "sh", "-c", rebootScript); err != nil {
		return fmt.Errorf("reboot: %w", err)
	}
	(*w.conn).Close()
	*w.conn = nil
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, w.o.RebootTimeout)
	defer cancel()
	lastSaid := start
	var lastErr error
	for {
		select {
		case <-ctx.Done():
			if lastErr == nil {
				lastErr = ctx.Err()
			}
			return fmt.Errorf("no SSH within %s after the reboot (last: %v)", w.o.RebootTimeout, lastErr)
		case <-time.After(w.o.PollEvery):
		}
		if time.Since(lastSaid) >= 30*time.Second {
			w.pr.printf("%s: waiting for SSH after the reboot (%s)", w.host.Name, time.Since(start).Round(time.Second))
			lastSaid = time.Now()
		}
		attempt, cancelAttempt := context.WithTimeout(ctx, 30*time.Second)
		t, err := w.o.Connect(attempt, w.host)
		if err != nil {
			cancelAttempt()
			lastErr = err
			continue
		}
		w.h.t = t
		err = w.h.Learn(attempt)
		cancelAttempt()
		if err != nil || w.h.BootID == before {
			// Still the old boot (the reboot has not begun) or not up yet.
			t.Close()
			lastErr = err
			if err == nil {
				lastErr = fmt.Errorf("still the same boot %s", before)
			}
			continue
		}
		*w.conn = t
		w.pr.printf("%s: back after %s", w.host.Name, time.Since(start).Round(time.Second))
		return nil
	}
}
