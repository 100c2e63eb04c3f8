package testenv

import (
	"context"
	"testing"
	"time"
)

// SwarmFree takes the HostSwarm lock and requires this machine's engine
// to be in no swarm, so that a test may form and leave one. Outside CI an
// engine already in a swarm is someone's: the test skips rather than
// destroy it. In CI the machine is the test's own: a left-over swarm (an
// earlier run that died) is left by force, and the test fails if that
// does not work; it never skips.
func SwarmFree(t testing.TB) {
	t.Helper()
	cli := Docker(t)
	Lock(t, HostSwarm)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	info, err := cli.Info(ctx)
	if err != nil {
		t.Fatalf("docker info: %v", err)
	}
	st := string(info.Swarm.LocalNodeState)
	if st == "inactive" {
		return
	}
	if !InCI() {
		t.Skipf("this machine's Docker engine is already in a swarm (%s): the test will not touch it (in CI it is left by force)", st)
	}
	if err := cli.SwarmLeave(ctx, true); err != nil {
		t.Fatalf("CI=true and the engine is in a swarm (%s) that could not be left: %v", st, err)
	}
	info, err = cli.Info(ctx)
	if err != nil || string(info.Swarm.LocalNodeState) != "inactive" {
		t.Fatalf("CI=true: the engine is still in a swarm after leaving it (%v, %v)", info.Swarm.LocalNodeState, err)
	}
	t.Logf("CI=true: left the swarm (%s) an earlier run left behind", st)
}
