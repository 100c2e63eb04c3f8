// Package binaries sets up Kubernetes from upstream components built from
// their published Go modules: the driver for the container testbed and for
// anyone without a distribution. The master runs etcd, kube-apiserver,
// kube-controller-manager and kube-scheduler as daemons; every node runs its
// own containerd with CRI, a kubelet and kube-proxy, with pod networking by
// the CNI bridge plugin and routes between the nodes' pod CIDRs. CoreDNS and
// the pause image come from images made locally and imported into each
// node's containerd: nothing is pulled from a registry.
//
// Everything the driver makes on a node is listed in a state file on that
// node before it is made, so Teardown (and the next Setup, when a run was
// killed) removes it without knowing what the earlier process knew.
package binaries
