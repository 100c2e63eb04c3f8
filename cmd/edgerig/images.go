package main

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/workload/install"
	"github.com/edgerig/edgerig/workload/sparkimage"
)

// serviceImages makes the word count's service image in this machine's
// Docker engine and saves it for loading onto the hosts.
type serviceImages struct {
	progress io.Writer
	once     sync.Once
	cli      *client.Client
	err      error
}

func (s *serviceImages) client() (*client.Client, error) {
	s.once.Do(func() {
		s.cli, s.err = client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if s.err != nil {
			s.err = fmt.Errorf("this machine's Docker engine (the image is built there): %w", s.err)
		}
	})
	return s.cli, s.err
}

// Ensure makes the image for the hosts' architecture (uname -m), as
// `edgerig image build` does: cached, and built by debootstrap (under
// qemu-user for ARM boards) only the first time.
func (s *serviceImages) Ensure(ctx context.Context, uname string) (string, install.Paths, error) {
	cli, err := s.client()
	if err != nil {
		return "", install.Paths{}, err
	}
	arch, err := sparkimage.ArchOfUname(uname)
	if err != nil {
		return "", install.Paths{}, err
	}
	ref, err := sparkimage.Ensure(ctx, cli, sparkimage.Options{Arch: arch.Name, Progress: s.progress})
	if err != nil {
		return "", install.Paths{}, err
	}
	p := sparkimage.Paths
	return ref, install.Paths{Jars: p.Jars, Python: p.Python, SparkHome: p.SparkHome, Job: p.Job, Stamp: p.Stamp}, nil
}

func (s *serviceImages) ImageSave(ctx context.Context, refs []string, opts ...client.ImageSaveOption) (io.ReadCloser, error) {
	cli, err := s.client()
	if err != nil {
		return nil, err
	}
	return cli.ImageSave(ctx, refs, opts...)
}
