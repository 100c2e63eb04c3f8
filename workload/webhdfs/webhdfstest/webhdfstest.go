// Package webhdfstest is a hand-written, in-process stand-in for a
// NameNode and DataNode's WebHDFS, for fast unit tests of error paths and
// of the submitters' schedule. It keeps files in memory. The proof against
// the real thing is the word-count integration test on real HDFS.
package webhdfstest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server answers CREATE (307 to its own /datanode path, then 201), RENAME
// ({"boolean": …}) and MKDIRS.
type Server struct {
	*httptest.Server

	mu    sync.Mutex
	files map[string][]byte
	// Fail, when set, answers a request with its status and a
	// RemoteException instead (status 0: answer normally).
	Fail func(op, path string) (status int, exception, message string)
	// Renamed is called when a RENAME succeeds, with the destination and
	// the moment the server saw the request.
	Renamed func(dst string, at time.Time)
}

// New starts a server; it is closed when the test's cleanup runs Close.
func New() *Server {
	s := &Server{files: map[string][]byte{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Addr is the server's host:port, as webhdfs.New takes it.
func (s *Server) Addr() string { return strings.TrimPrefix(s.URL, "http://") }

// File returns a stored file's bytes.
func (s *Server) File(path string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.files[path]
	return b, ok
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	if strings.HasPrefix(r.URL.Path, "/datanode/") {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.files[strings.TrimPrefix(r.URL.Path, "/datanode")] = b
		s.mu.Unlock()
		w.Header().Set("location", "hdfs://fake"+r.URL.Path)
		w.WriteHeader(http.StatusCreated)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/webhdfs/v1")
	op := r.URL.Query().Get("op")
	if s.Fail != nil {
		if status, exc, msg := s.Fail(op, path); status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, `{"RemoteException":{"exception":"`+exc+`","javaClassName":"x","message":"`+msg+`"}}`)
			return
		}
	}
	switch op {
	case "CREATE":
		w.Header().Set("Location", s.URL+"/datanode"+path)
		w.WriteHeader(http.StatusTemporaryRedirect)
	case "MKDIRS":
		_, _ = io.WriteString(w, `{"boolean":true}`)
	case "RENAME":
		dst := r.URL.Query().Get("destination")
		s.mu.Lock()
		b, ok := s.files[path]
		if ok {
			delete(s.files, path)
			s.files[dst] = b
		}
		s.mu.Unlock()
		if !ok {
			_, _ = io.WriteString(w, `{"boolean":false}`)
			return
		}
		if s.Renamed != nil {
			s.Renamed(dst, at)
		}
		_, _ = io.WriteString(w, `{"boolean":true}`)
	default:
		http.Error(w, "unsupported op "+op, http.StatusBadRequest)
	}
}
