package kubernetes

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mark writes a phase heading into every host's log.
func (f *fakeCluster) mark(phase string, hosts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := 1; i <= hosts; i++ {
		h := fmt.Sprintf("node%d", i)
		f.log[h] = append(f.log[h], "-- "+phase)
	}
}

const podsJSON = `{"items":[
 {"metadata":{"name":"coredns-7b98449c4-x2x9k","namespace":"kube-system","ownerReferences":[{"kind":"ReplicaSet","name":"coredns-7b98449c4"}]},
  "spec":{"nodeName":"node2"},"status":{"phase":"Running","containerStatuses":[{"containerID":"containerd://4f6c2a"}]}},
 {"metadata":{"name":"kube-proxy-8kq2l","namespace":"kube-system"},"spec":{"nodeName":"node1"},"status":{"phase":"Pending"}}]}`

// TestCommands runs set-up, ready, list and teardown of each install
// method, and their failures, against recorded hosts, and compares the
// commands each host was given, in order, with testdata/NAME.golden.
// The JSON replies are hand-written in kubectl's shape.
func TestCommands(t *testing.T) {
	k3sScript := Config{Install: "k3s", Version: "v1.31.4+k3s1", Source: "script:/opt/k3s/install.sh"}
	k3sBinary := Config{Install: "k3s", Version: "v1.31.4+k3s1", Source: "binary:/opt/k3s/k3s"}
	kubeadmPkg := Config{Install: "kubeadm", Version: "v1.31.4"}
	// cancelOn cancels the set-up once n hosts hang on the command.
	cancelOn := func(f *fakeCluster, host, match string, n int) context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		hung := make(chan struct{})
		f.prepend(rule{host: host, match: match, hang: hung, hangN: n})
		go func() { <-hung; cancel() }()
		return ctx
	}
	for _, tc := range []struct {
		name  string
		cfg   Config
		rules []rule
		// setupCtx, when set, gives the Setup's context (a cancellation).
		setupCtx func(f *fakeCluster) context.Context
		// beforeTeardown changes the hosts after set-up.
		beforeTeardown func(f *fakeCluster)
		readyWithin    time.Duration
		wantSetupErr   string
		wantReadyErr   string
		wantTearErr    string
	}{
		{name: "k3s-script", cfg: k3sScript},
		{name: "k3s-binary", cfg: k3sBinary},
		{name: "kubeadm-package", cfg: kubeadmPkg},
		{name: "k3s-binary-as-pi", cfg: k3sBinary, rules: []rule{{match: "id -u", out: "1000\n"}}},
		{name: "k3s-no-sudo", cfg: k3sBinary, rules: []rule{{match: "id -u", out: "1000\n"}, {host: "node2", match: "sudo -n true", exit: 1}},
			wantSetupErr: "node2: the user is not root and sudo -n fails"},
		{name: "kubeadm-script", cfg: Config{Install: "kubeadm", Version: "v1.31.4", Source: "script:/opt/kube/install.sh"}},
		{name: "kubeadm-join-fails", cfg: kubeadmPkg, rules: []rule{{host: "node3", match: "kubeadm join", exit: 1}},
			wantSetupErr: "node3: join"},
		{name: "k3s-node-never-ready", cfg: k3sScript, rules: []rule{{match: "get nodes -o json", out: nodesJSON(3, "node3")}},
			readyWithin: 50 * time.Millisecond, wantReadyErr: "2 of 3 Ready; not Ready: node3: KubeletNotReady container runtime network not ready"},
		{name: "kubeadm-unreachable-in-teardown", cfg: kubeadmPkg,
			beforeTeardown: func(f *fakeCluster) { f.prepend(rule{host: "node2", match: "", down: true}) },
			wantTearErr:    "node2: ssh node2: dial tcp: connect: no route to host (left behind: a running kubeadm, its installation, /var/lib/edgerig/kubernetes; the next run's set-up removes it)"},
		{name: "k3s-cancelled-at-init", cfg: k3sScript,
			setupCtx:     func(f *fakeCluster) context.Context { return cancelOn(f, "node1", "INSTALL_K3S_EXEC=server", 1) },
			wantSetupErr: "context canceled"},
		{name: "kubeadm-cancelled-at-install", cfg: kubeadmPkg,
			setupCtx:     func(f *fakeCluster) context.Context { return cancelOn(f, "", "apt-get install", 3) },
			wantSetupErr: "context canceled"},
		{name: "k3s-cleans-an-interrupted-run", cfg: k3sScript, rules: []rule{{host: "node2", match: "cat /var/lib/edgerig/kubernetes",
			out: "install kubeadm\nversion v1.31.4\nsource package:kubeadm,kubelet,kubectl\nrole worker\n"}}},
		{name: "k3s-refuses-a-foreign-cluster", cfg: k3sScript, rules: []rule{{host: "node3", match: "sh -c 'test -e"}},
			wantSetupErr: "node3 already runs a Kubernetes that edgerig did not install"},
		{name: "kubeadm-wrong-version", cfg: kubeadmPkg, rules: []rule{{host: "node2", match: "kubeadm version -o short", out: "v1.30.2\n"}},
			wantSetupErr: `node2: installed "v1.30.2", the spec asks for v1.31.4`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeCluster(append(tc.rules, append(healthy(tc.cfg.Version, 3), rule{match: "get pods -A -o json", out: podsJSON})...)...)
			d := newDriver(t, tc.cfg)
			ctx := context.Background()
			if tc.setupCtx != nil {
				ctx = tc.setupCtx(f)
			}
			f.mark("setup", 3)
			err := d.Setup(ctx, f.cluster(3))
			var notes []string
			if tc.wantSetupErr != "" {
				require.ErrorContains(t, err, tc.wantSetupErr)
				notes = append(notes, "setup "+errText(err))
			} else {
				require.NoError(t, err)
				f.mark("ready", 3)
				rctx, cancel := context.WithTimeout(context.Background(), time.Second)
				if tc.readyWithin > 0 {
					rctx, cancel = context.WithTimeout(context.Background(), tc.readyWithin)
				}
				err = d.Ready(rctx)
				cancel()
				if tc.wantReadyErr != "" {
					require.ErrorContains(t, err, tc.wantReadyErr)
				} else {
					require.NoError(t, err)
					f.mark("list", 3)
					ws, err := d.List(context.Background())
					require.NoError(t, err)
					require.Len(t, ws, 2)
				}
			}
			if tc.beforeTeardown != nil {
				tc.beforeTeardown(f)
			}
			f.mark("teardown", 3)
			err = d.Teardown(context.Background())
			if tc.wantTearErr != "" {
				require.ErrorContains(t, err, tc.wantTearErr)
				notes = append(notes, "teardown "+errText(err))
			} else {
				require.NoError(t, err)
			}
			f.mark("second teardown", 3)
			require.NoError(t, d.Teardown(context.Background()), "a second teardown does nothing")
			golden(t, tc.name, f.render()+strings.Join(notes, ""))
		})
	}
}

func TestParsePods(t *testing.T) {
	ws, err := parsePods([]byte(podsJSON))
	require.NoError(t, err)
	require.Len(t, ws, 2)
	require.Equal(t, "node2", ws[0].Node)
	require.Equal(t, "kube-system", ws[0].Namespace)
	require.Equal(t, "coredns-7b98449c4", ws[0].Service)
	require.Equal(t, "Running", ws[0].State)
	require.Equal(t, []string{"4f6c2a"}, ws[0].Containers)
	require.Empty(t, ws[1].Containers)
	_, err = parsePods([]byte("{"))
	require.Error(t, err)
}

func TestNewRefuses(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Install: "k3s", Version: "v1.31.4", Source: "package:k3s"}, "k3s has no Debian package"},
		{Config{Install: "k3s", Version: "v1.31.4", Source: "script:/opt/k3s/install.sh"}, "like v1.31.4+k3s1"},
		{Config{Install: "kubeadm", Version: "v1.31.4", Source: "binary:/opt/kube"}, "use package:NAMES or script:/PATH"},
		{Config{Install: "binaries", Version: "v1.31.4", Source: "binary:/x"}, "this driver installs k3s or kubeadm"},
		{Config{Install: "k3s", Version: "v1.31.4", Source: "/usr/bin/k3s"}, "has no kind"},
	} {
		_, err := New(tc.cfg)
		require.ErrorContains(t, err, tc.want, "%+v", tc.cfg)
	}
}

func TestMarkerRoundTrip(t *testing.T) {
	m := marker{install: "k3s", version: "v1.31.4+k3s1", source: "binary:/usr/local/bin/k3s", master: true}
	back, err := parseMarker(m.String())
	require.NoError(t, err)
	require.Equal(t, m, back)
	_, err = parseMarker("hello")
	require.Error(t, err)
}
