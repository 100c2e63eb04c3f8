package spec

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/edgerig/edgerig/internal/yamlpos"
)

// Kubernetes install methods (orchestrator.kubernetes.install).
const (
	// InstallBinaries runs upstream components built from their Go modules
	// (the container testbed, or anyone without a distribution).
	InstallBinaries = "binaries"
	// InstallK3s installs k3s on every node (real clusters).
	InstallK3s = "k3s"
	// InstallKubeadm installs kubeadm, kubelet and kubectl and forms the
	// cluster with kubeadm init/join (real clusters).
	InstallKubeadm = "kubeadm"
)

// DefaultKubernetesVersion is the Kubernetes release a spec gets unless it
// names one.
const DefaultKubernetesVersion = "v1.31.4"

// Kubernetes says how a kubernetes orchestrator is installed.
type Kubernetes struct {
	Install string // binaries | k3s | kubeadm
	Version string // v1.31.4; k3s releases may carry their suffix (v1.31.4+k3s1)
	// Source is where k3s or kubeadm come from on each host, as
	// "package:NAME[,NAME...]" (apt-get install), "binary:/PATH" (a k3s
	// binary, or a directory holding kubeadm, kubelet and kubectl) or
	// "script:/PATH" (an install script, run with sh). Empty: the install
	// method's default (DefaultSource).
	Source string
}

// Source kinds (the part of Kubernetes.Source before the colon).
const (
	SourcePackage = "package"
	SourceBinary  = "binary"
	SourceScript  = "script"
)

// DefaultSource is the source an install method uses when the spec names
// none: the k3s binary where k3s's own installer puts it, and Debian
// packages for kubeadm (from a repository the host already has).
func DefaultSource(install string) string {
	switch install {
	case InstallK3s:
		return "binary:/usr/local/bin/k3s"
	case InstallKubeadm:
		return "package:kubeadm,kubelet,kubectl"
	}
	return ""
}

// ParseSource splits a source into its kind and value (a package list or
// an absolute path).
func ParseSource(v string) (kind, value string, err error) {
	kind, value, ok := strings.Cut(v, ":")
	switch {
	case !ok:
		return "", "", fmt.Errorf("%q has no kind: write package:NAME, binary:/PATH or script:/PATH", v)
	case kind == SourcePackage:
		for _, p := range strings.Split(value, ",") {
			if !packageRE.MatchString(p) {
				return "", "", fmt.Errorf("%q: %q is not a Debian package name", v, p)
			}
		}
	case kind == SourceBinary || kind == SourceScript:
		if !strings.HasPrefix(value, "/") || strings.ContainsAny(value, " \t\n") || strings.Contains(value, "/../") {
			example := "binary:/usr/local/bin/k3s"
			if kind == SourceScript {
				example = "script:/opt/k3s/install.sh"
			}
			return "", "", fmt.Errorf("%q: want an absolute path on the host, like %s", v, example)
		}
	default:
		return "", "", fmt.Errorf("%q: unknown source kind %q (package, binary or script)", v, kind)
	}
	return kind, value, nil
}

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]+)?$`)

func kubeVersion(get func(*Spec) *string) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		if !versionRE.MatchString(v) {
			c.Errorf(n, path, "%q is not a Kubernetes release (like %s, or v1.31.4+k3s1 for k3s)", v, DefaultKubernetesVersion)
			return false
		}
		*get(s) = v
		return true
	}
}

func kubeSource(get func(*Spec) *string) setter {
	return func(c *yamlpos.Checker, s *Spec, n *yaml.Node, path string) bool {
		v, ok := c.Scalar(n, path)
		if !ok {
			return false
		}
		if _, _, err := ParseSource(v); err != nil {
			c.Errorf(n, path, "%v", err)
			return false
		}
		*get(s) = v
		return true
	}
}

// decodeOrchestrator decodes the orchestrator section: its scalar fields
// and the kubernetes subsection. It returns the source node, if written,
// for checkSource once the matrix is known.
func decodeOrchestrator(c *yamlpos.Checker, s *Spec, n *yaml.Node) (source *yaml.Node) {
	f, ok := c.Fields(n, "orchestrator", "kind", "master_role", "worker_role", "kubernetes")
	if !ok {
		return
	}
	for k, v := range f {
		if set := scalars["orchestrator."+k]; set != nil {
			set(c, s, v, "orchestrator."+k)
		}
	}
	k := f["kubernetes"]
	if k == nil {
		return nil
	}
	kf, ok := section(c, s, k, "orchestrator.kubernetes")
	if !ok {
		return nil
	}
	return kf["source"]
}

// checkSource refuses a source no trial can use: written for install
// binaries, with no matrix over the install method.
func checkSource(c *yamlpos.Checker, s *Spec, src *yaml.Node) {
	if src == nil || s.Orchestrator.Kubernetes.Install != InstallBinaries {
		return
	}
	for _, a := range s.Matrix {
		if a.Key == "orchestrator.kubernetes.install" {
			return
		}
	}
	c.Errorf(src, "orchestrator.kubernetes.source", "applies to install k3s and kubeadm; install %s builds its components from Go modules", InstallBinaries)
}
