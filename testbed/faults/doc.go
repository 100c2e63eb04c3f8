// Package faults holds the end-to-end fault tests of edgerig: the real
// edgerig binary runs an experiment on a 4-node container testbed while
// the tests kill a node, cut one off the network, interrupt the runner, or
// swap a host key, and then read the run directory it left. It has no code
// of its own: everything it exercises lives in runner, transport/ssh,
// probes and testbed/containers.
//
// The tests are opt-in, behind the build tag faults, until `edgerig run`
// reaches hosts over SSH in every build (cmd/edgerig's connector) and a node
// lost for good no longer fails the run at probe stop:
//
//	go test -tags faults -v ./testbed/faults/   (about 3 minutes)
package faults
