package webhdfs_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/edgerig/edgerig/workload/webhdfs"
	"github.com/edgerig/edgerig/workload/webhdfs/webhdfstest"
)

func TestCreateRename(t *testing.T) {
	s := webhdfstest.New()
	defer s.Close()
	c := webhdfs.New(s.Addr(), "u", 5*time.Second)
	ctx := context.Background()
	before := time.Now()
	located, err := c.Create(ctx, "/in/.a.part", []byte("hello"))
	require.NoError(t, err)
	require.True(t, located.After(before))
	require.NoError(t, c.Rename(ctx, "/in/.a.part", "/in/a"))
	b, ok := s.File("/in/a")
	require.True(t, ok)
	require.Equal(t, "hello", string(b))
}

func TestErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(op, path string) (int, string, string)
		run  func(c *webhdfs.Client) error
		want string
	}{
		{"create refused", func(op, _ string) (int, string, string) {
			if op == "CREATE" {
				return http.StatusForbidden, "AccessControlException", "Permission denied"
			}
			return 0, "", ""
		}, func(c *webhdfs.Client) error {
			_, err := c.Create(context.Background(), "/x", []byte("y"))
			return err
		}, "webhdfs CREATE /x: HTTP 403: AccessControlException: Permission denied"},
		{"safe mode", func(op, _ string) (int, string, string) {
			return http.StatusInternalServerError, "SafeModeException", "Name node is in safe mode"
		}, func(c *webhdfs.Client) error { return c.Mkdirs(context.Background(), "/d") }, "SafeModeException"},
		{"rename of a missing file", nil, func(c *webhdfs.Client) error {
			return c.Rename(context.Background(), "/missing", "/dst")
		}, "HDFS answered false"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := webhdfstest.New()
			defer s.Close()
			s.Fail = tc.fail
			err := tc.run(webhdfs.New(s.Addr(), "u", 5*time.Second))
			require.ErrorContains(t, err, tc.want)
			if tc.fail != nil {
				var re *webhdfs.RemoteError
				require.ErrorAs(t, err, &re)
			}
		})
	}
}

func TestRefusedConnection(t *testing.T) {
	s := webhdfstest.New()
	addr := s.Addr()
	s.Close()
	_, err := webhdfs.New(addr, "u", time.Second).Create(context.Background(), "/x", []byte("y"))
	require.ErrorContains(t, err, "connection refused")
}
