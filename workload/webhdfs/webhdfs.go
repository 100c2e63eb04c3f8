// Package webhdfs is the small part of HDFS's REST interface the word-count
// submitters use: CREATE (in its two steps, NameNode then DataNode) and
// RENAME. The two steps of CREATE are timed separately, so a client stops
// at the NameNode's 307 instead of letting net/http follow it.
package webhdfs

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one NameNode's WebHDFS endpoint.
type Client struct {
	base string // http://host:port/webhdfs/v1
	user string
	hc   *http.Client
}

// New returns a client for the NameNode at addr (host:port of its HTTP
// server), acting as user. Every request is bounded by timeout.
func New(addr, user string, timeout time.Duration) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &Client{
		base: "http://" + addr + "/webhdfs/v1",
		user: user,
		hc: &http.Client{
			Timeout:   timeout,
			Transport: tr,
			// The redirect is taken by hand: it names the DataNode, and the
			// two steps are timed apart.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

// RemoteError is an error answer of WebHDFS: {"RemoteException": {...}}.
type RemoteError struct {
	Op, Path  string
	Status    int
	Exception string
	Message   string
}

func (e *RemoteError) Error() string {
	if e.Exception == "" {
		return fmt.Sprintf("webhdfs %s %s: HTTP %d: %s", e.Op, e.Path, e.Status, e.Message)
	}
	return fmt.Sprintf("webhdfs %s %s: HTTP %d: %s: %s", e.Op, e.Path, e.Status, e.Exception, e.Message)
}

// Create writes data as the new file path (overwriting), returning when the
// DataNode has acknowledged it (201). located is when the NameNode answered
// with the DataNode's address.
func (c *Client) Create(ctx context.Context, path string, data []byte) (located time.Time, err error) {
	u := c.url(path, "CREATE", "overwrite=true")
	resp, err := c.do(ctx, http.MethodPut, u, nil)
	if err != nil {
		return time.Time{}, fmt.Errorf("webhdfs CREATE %s: %w", path, err)
	}
	located = time.Now()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || loc == "" {
		return located, remoteError("CREATE", path, resp)
	}
	drain(resp)
	resp, err = c.do(ctx, http.MethodPut, loc, data)
	if err != nil {
		return located, fmt.Errorf("webhdfs CREATE %s at the DataNode: %w", path, err)
	}
	if resp.StatusCode != http.StatusCreated {
		return located, remoteError("CREATE", path, resp)
	}
	drain(resp)
	return located, nil
}

// Rename moves src to dst. HDFS answers a failed rename with 200 and
// {"boolean": false}, which is returned as an error too.
func (c *Client) Rename(ctx context.Context, src, dst string) error {
	u := c.url(src, "RENAME", "destination="+url.QueryEscape(dst))
	resp, err := c.do(ctx, http.MethodPut, u, nil)
	if err != nil {
		return fmt.Errorf("webhdfs RENAME %s: %w", src, err)
	}
	if resp.StatusCode != http.StatusOK {
		return remoteError("RENAME", src, resp)
	}
	defer drain(resp)
	var b struct {
		Boolean *bool `json:"boolean"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&b); err != nil || b.Boolean == nil {
		return fmt.Errorf("webhdfs RENAME %s: answer is not {\"boolean\": …}: %v", src, err)
	}
	if !*b.Boolean {
		return fmt.Errorf("webhdfs RENAME %s → %s: HDFS answered false (source missing or destination exists)", src, dst)
	}
	return nil
}

// Mkdirs makes path and its parents.
func (c *Client) Mkdirs(ctx context.Context, path string) error {
	resp, err := c.do(ctx, http.MethodPut, c.url(path, "MKDIRS", ""), nil)
	if err != nil {
		return fmt.Errorf("webhdfs MKDIRS %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return remoteError("MKDIRS", path, resp)
	}
	drain(resp)
	return nil
}

func (c *Client) url(path, op, extra string) string {
	u := c.base + (&url.URL{Path: path}).EscapedPath() + "?op=" + op + "&user.name=" + url.QueryEscape(c.user)
	if extra != "" {
		u += "&" + extra
	}
	return u
}

func (c *Client) do(ctx context.Context, method, u string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	}
	return c.hc.Do(req)
}

func remoteError(op, path string, resp *http.Response) error {
	defer drain(resp)
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	e := &RemoteError{Op: op, Path: path, Status: resp.StatusCode}
	var re struct {
		RemoteException struct{ Exception, Message string }
	}
	if json.Unmarshal(body, &re) == nil && re.RemoteException.Exception != "" {
		e.Exception, e.Message = re.RemoteException.Exception, re.RemoteException.Message
	} else {
		e.Message = strings.TrimSpace(string(body))
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	resp.Body.Close()
}
