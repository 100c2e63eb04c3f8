// Package faults holds the end-to-end fault tests of edgerig: the real
// edgerig binary runs an experiment on a 4-node container testbed while
// the tests kill a node, cut one off the network, interrupt the runner, or
// swap a host key, and then read the run directory it left. It has no code
// of its own: everything it exercises lives in runner, transport/ssh,
// probes and testbed/containers.
//
// They run with make test; alone: make test-faults (~2 minutes).
package faults
