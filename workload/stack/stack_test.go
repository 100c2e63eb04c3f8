package stack

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/swarm"
	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/transport"
)

// fakeEngine plays a manager whose one service's task goes through the
// given states, one per TaskList call, staying at the last.
type fakeEngine struct {
	mu        sync.Mutex
	states    []swarm.TaskStatus
	createErr error
	created   []swarm.ServiceSpec
	removed   []string
	calls     int
}

func (f *fakeEngine) ServiceCreate(_ context.Context, s swarm.ServiceSpec, _ swarm.ServiceCreateOptions) (swarm.ServiceCreateResponse, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.createErr != nil {
		return swarm.ServiceCreateResponse{}, f.createErr
	}
	f.created = append(f.created, s)
	return swarm.ServiceCreateResponse{ID: "svc1"}, nil
}

func (f *fakeEngine) ServiceRemove(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id)
	return nil
}

func (f *fakeEngine) ServiceList(context.Context, swarm.ServiceListOptions) ([]swarm.Service, error) {
	return []swarm.Service{{ID: "svc1", Spec: swarm.ServiceSpec{Annotations: swarm.Annotations{Name: "s_x"}}}}, nil
}

func (f *fakeEngine) ServiceLogs(context.Context, string, container.LogsOptions) (io.ReadCloser, error) {
	return io.NopCloser(strings.NewReader("")), nil
}

func (f *fakeEngine) TaskList(context.Context, swarm.TaskListOptions) ([]swarm.Task, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.removed) > 0 {
		return []swarm.Task{{ID: "task1", Status: swarm.TaskStatus{State: swarm.TaskStateShutdown}}}, nil
	}
	if len(f.states) == 0 {
		return nil, nil
	}
	st := f.states[min(f.calls, len(f.states)-1)]
	f.calls++
	return []swarm.Task{{ID: "task1", Status: st}}, nil
}

func TestRunUnhappyPaths(t *testing.T) {
	failed := swarm.TaskStatus{State: swarm.TaskStateFailed, Message: "started", Err: "task: non-zero exit (7)",
		ContainerStatus: &swarm.ContainerStatus{ExitCode: 7}}
	for _, tc := range []struct {
		name   string
		eng    *fakeEngine
		cancel bool
		want   string
		code   int
	}{
		{name: "create refused", eng: &fakeEngine{createErr: errors.New("rpc error: no such image")}, want: "create service s_namenode-node2-1: rpc error: no such image"},
		{name: "never starts", eng: &fakeEngine{states: []swarm.TaskStatus{{State: swarm.TaskStatePending, Message: "pending task scheduling", Err: "no suitable node"}}},
			want: "did not start within 50ms (task pending: pending task scheduling: no suitable node): is image img loaded on the node?"},
		{name: "exits non-zero", eng: &fakeEngine{states: []swarm.TaskStatus{{State: swarm.TaskStateRunning}, failed}}, want: "exit status 7", code: 7},
		{name: "cancelled while running", eng: &fakeEngine{states: []swarm.TaskStatus{{State: swarm.TaskStateRunning}}}, cancel: true, want: context.Canceled.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tc.eng, "s", "img")
			s.Poll, s.StartTimeout = time.Millisecond, 50*time.Millisecond
			h := s.Host(Node{Name: "node2", ID: "n2"})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancel {
				time.AfterFunc(20*time.Millisecond, cancel)
			}
			err := h.Run(ctx, transport.Cmd{Args: []string{"java", "org.apache.hadoop.hdfs.server.namenode.NameNode"}})
			require.ErrorContains(t, err, tc.want)
			if tc.code != 0 {
				var ee *transport.ExitError
				require.ErrorAs(t, err, &ee)
				require.Equal(t, tc.code, ee.Code)
				require.Contains(t, err.Error(), "non-zero exit (7)")
			}
			if tc.eng.createErr == nil {
				require.Equal(t, []string{"svc1"}, tc.eng.removed, "a service that ran is always removed")
			}
		})
	}
}

func TestServiceSpec(t *testing.T) {
	s := New(&fakeEngine{}, "edgerig-wc-t1", "edgerig-wordcount:abc")
	spec := s.spec("edgerig-wc-t1_datanode-node2-3", Node{Name: "node2", ID: "n2", Mounts: []string{"/tmp/x"}, NanoCPUs: 4e8}, []string{"java", "-cp", "a"})
	require.Equal(t, []string{"node.id==n2"}, spec.TaskTemplate.Placement.Constraints)
	require.Equal(t, "host", spec.TaskTemplate.Networks[0].Target)
	require.Equal(t, swarm.RestartPolicyConditionNone, spec.TaskTemplate.RestartPolicy.Condition)
	require.Equal(t, int64(4e8), spec.TaskTemplate.Resources.Limits.NanoCPUs)
	require.Equal(t, "/tmp/x", spec.TaskTemplate.ContainerSpec.Mounts[0].Source)
	require.Equal(t, "edgerig-wc-t1", spec.Annotations.Labels[NamespaceLabel])
	require.True(t, *spec.TaskTemplate.ContainerSpec.Init)
}

func TestServiceNames(t *testing.T) {
	s := New(&fakeEngine{}, "edgerig-wc-t1", "img")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sh", "-c", "x", "java", "-cp", "c", "org.apache.hadoop.hdfs.server.namenode.NameNode", "-format"}, "edgerig-wc-t1_namenode-format-node1-1"},
		{[]string{"sh", "-c", "x", "org.apache.hadoop.hdfs.server.datanode.DataNode"}, "edgerig-wc-t1_datanode-node1-2"},
		{[]string{"/opt/p/bin/spark-class", "org.apache.spark.deploy.worker.Worker"}, "edgerig-wc-t1_spark-worker-node1-3"},
		{[]string{"python3", "stamp.py", "/opt/p/bin/spark-submit"}, "edgerig-wc-t1_driver-node1-4"},
		{[]string{"/usr/bin/mkdir", "-p"}, "edgerig-wc-t1_mkdir-node1-5"},
	} {
		require.Equal(t, tc.want, s.serviceName("node1", tc.args))
	}
}
