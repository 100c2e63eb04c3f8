package binaries

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Components are the programs the cluster runs, as named in the cache's
// bin directory. They are built from the module in fixtures/kubernetes.
var Components = []string{
	"kube-apiserver", "kube-controller-manager", "kube-scheduler",
	"kubelet", "kube-proxy", "kubectl", "etcd", "coredns", PodProgram,
}

// PodProgram is the project's own static program the pause, test and
// (with coredns) DNS images are made of; its source is the build module's
// pod package.
const PodProgram = "edgerig-pod"

// packages maps a component to the Go package its main is in.
var packages = map[string]string{
	"kube-apiserver":          "k8s.io/kubernetes/cmd/kube-apiserver",
	"kube-controller-manager": "k8s.io/kubernetes/cmd/kube-controller-manager",
	"kube-scheduler":          "k8s.io/kubernetes/cmd/kube-scheduler",
	"kubelet":                 "k8s.io/kubernetes/cmd/kubelet",
	"kube-proxy":              "k8s.io/kubernetes/cmd/kube-proxy",
	"kubectl":                 "k8s.io/kubernetes/cmd/kubectl",
	"etcd":                    "go.etcd.io/etcd/server/v3",
	"coredns":                 "github.com/coredns/coredns",
	PodProgram:                "github.com/edgerig/edgerig/fixtures/kubernetes/pod",
}

// ModuleRelPath is where the build module lives in a checkout of the
// project; FindModule looks for it.
const ModuleRelPath = "fixtures/kubernetes"

// BuildOptions say what to build and where.
type BuildOptions struct {
	// CacheDir is the root of edgerig's cache (~/.cache/edgerig); the
	// binaries go to CacheDir/kubernetes/<Version>/bin.
	CacheDir string
	// Version is the Kubernetes release, e.g. "v1.31.4". It must be the
	// one the module requires: the module pins the sources.
	Version string
	// ModuleDir is the build module (fixtures/kubernetes); "" finds it
	// with FindModule.
	ModuleDir string
	// Progress gets one line per step; nil discards them.
	Progress io.Writer
}

// BinDir is where the binaries of version are kept under cacheDir.
func BinDir(cacheDir, version string) string {
	return filepath.Join(cacheDir, "kubernetes", version, "bin")
}

// Build makes sure every component of o.Version is in the cache and returns
// the bin directory. A complete cache is reused as it is; otherwise the
// module is built into bin.tmp and renamed into place, so a reader never
// sees half a set. A lock file keeps two processes on one machine from
// building at once (the build takes minutes and ~1.7 GB): the second waits
// and then finds the first one's result.
func Build(ctx context.Context, o BuildOptions) (string, error) {
	progress := o.Progress
	if progress == nil {
		progress = io.Discard
	}
	if o.Version == "" {
		return "", errors.New("kubernetes build: no version given")
	}
	bin := BinDir(o.CacheDir, o.Version)
	if complete(bin) {
		return bin, nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", fmt.Errorf("kubernetes cache: %w", err)
	}
	unlock, err := lock(ctx, filepath.Join(filepath.Dir(bin), ".lock"), progress)
	if err != nil {
		return "", err
	}
	defer unlock()
	if complete(bin) {
		return bin, nil // another process built it while this one waited
	}
	mod := o.ModuleDir
	if mod == "" {
		if mod, err = FindModule(); err != nil {
			return "", err
		}
	}
	if err := checkModuleVersion(filepath.Join(mod, "go.mod"), o.Version); err != nil {
		return "", err
	}
	tmp := bin + ".tmp"
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", fmt.Errorf("kubernetes cache: %w", err)
	}
	start := time.Now()
	fmt.Fprintf(progress, "kubernetes: building %s from %s into %s (minutes on a cold cache, once per version)\n", o.Version, mod, bin)
	for i, c := range Components {
		if ok, _ := hasVersion(filepath.Join(tmp, c), c, o.Version); ok {
			fmt.Fprintf(progress, "kubernetes: [%d/%d] %s already built\n", i+1, len(Components), c)
			continue
		}
		t0 := time.Now()
		fmt.Fprintf(progress, "kubernetes: [%d/%d] building %s\n", i+1, len(Components), c)
		if err := goBuild(ctx, mod, o.Version, c, filepath.Join(tmp, c)); err != nil {
			return "", err
		}
		fmt.Fprintf(progress, "kubernetes: [%d/%d] %s built (%.0fs)\n", i+1, len(Components), c, time.Since(t0).Seconds())
	}
	if err := os.WriteFile(filepath.Join(tmp, completeMarker), []byte(o.Version+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("kubernetes cache: %w", err)
	}
	os.RemoveAll(bin) // an incomplete set from an older layout
	if err := os.Rename(tmp, bin); err != nil {
		return "", fmt.Errorf("kubernetes cache: %w", err)
	}
	fmt.Fprintf(progress, "kubernetes: %s built in %.0fs\n", o.Version, time.Since(start).Seconds())
	return bin, nil
}

// completeMarker is written last into a finished bin directory.
const completeMarker = ".complete"

func complete(bin string) bool {
	if _, err := os.Stat(filepath.Join(bin, completeMarker)); err != nil {
		return false
	}
	for _, c := range Components {
		if fi, err := os.Stat(filepath.Join(bin, c)); err != nil || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// hasVersion reports whether the binary at path exists and says it is
// version; a partial build left in bin.tmp is reused only then.
func hasVersion(path, component, version string) (bool, error) {
	if _, err := os.Stat(path); err != nil {
		return false, err
	}
	args := []string{"--version"}
	want := version
	switch component {
	case "kubectl":
		args = []string{"version", "--client"}
	case "etcd", "coredns":
		want = "" // versioned by their own modules; a binary that runs will do
	case PodProgram:
		return false, nil // seconds to build: never worth trusting a leftover
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, args...).CombinedOutput()
	if err != nil {
		return false, err
	}
	return strings.Contains(string(out), want), nil
}

// ldflags stamps the version into the component-base and client-go version
// packages; without them every component says v0.0.0-master, which the
// kubelet's and kubectl's version checks reject.
func ldflags(version string) string {
	major, minor := "", ""
	if parts := strings.SplitN(strings.TrimPrefix(version, "v"), ".", 3); len(parts) >= 2 {
		major, minor = parts[0], parts[1]
	}
	var b strings.Builder
	b.WriteString("-s -w")
	for _, pkg := range []string{"k8s.io/component-base/version", "k8s.io/client-go/pkg/version"} {
		fmt.Fprintf(&b, " -X %s.gitVersion=%s -X %s.gitMajor=%s -X %s.gitMinor=%s -X %s.gitTreeState=clean",
			pkg, version, pkg, major, pkg, minor, pkg)
	}
	return b.String()
}

func goBuild(ctx context.Context, mod, version, component, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags(version), "-o", out+".part", packages[component])
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	var tail strings.Builder
	cmd.Stdout = &tail
	cmd.Stderr = &tail
	if err := cmd.Run(); err != nil {
		s := tail.String()
		if len(s) > 4096 {
			s = s[len(s)-4096:]
		}
		return fmt.Errorf("building %s (%s) in %s: %w\n%s", component, packages[component], mod, err, s)
	}
	return os.Rename(out+".part", out)
}

// checkModuleVersion refuses a version the module does not pin: building
// it would cache binaries of another version under its name.
func checkModuleVersion(gomod, version string) error {
	f, err := os.Open(gomod)
	if err != nil {
		return fmt.Errorf("kubernetes build module: %w (it is %s in a checkout of edgerig)", err, ModuleRelPath)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "//")
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(fields) == 2 && fields[0] == "k8s.io/kubernetes" {
			got := fields[1]
			if got != version {
				return fmt.Errorf("%s:%d: the build module pins k8s.io/kubernetes %s, not %s: set orchestrator.kubernetes version to %s or change the module's require and its staging replaces", gomod, n, got, version, got)
			}
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading %s: %w", gomod, err)
	}
	return fmt.Errorf("%s: no require of k8s.io/kubernetes", gomod)
}

// FindModule looks for fixtures/kubernetes/go.mod in the working directory
// and its parents, then beside the running executable and its parents: the
// edgerig binary is run from a checkout of the project.
func FindModule() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, d := range starts {
		for {
			cand := filepath.Join(d, ModuleRelPath)
			if _, err := os.Stat(filepath.Join(cand, "go.mod")); err == nil {
				return cand, nil
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return "", fmt.Errorf("the Kubernetes build module (%s/go.mod) is not in the working directory or above it: run edgerig from a checkout of the project", ModuleRelPath)
}

// lock takes an exclusive flock on path, waiting for it as long as ctx lets.
func lock(ctx context.Context, path string, progress io.Writer) (func(), error) {
	if progress == nil {
		progress = io.Discard
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kubernetes cache lock: %w", err)
	}
	said := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("kubernetes cache lock %s: %w", path, err)
		}
		if !said {
			fmt.Fprintf(progress, "kubernetes: waiting for another process building into %s\n", filepath.Dir(path))
			said = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the kubernetes cache lock %s: %w", path, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}
