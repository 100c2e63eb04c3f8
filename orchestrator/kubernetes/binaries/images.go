package binaries

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// Images are the references of the images a node's containerd gets from
// the archive Images writes: nothing is pulled from a registry, so every
// pod spec names one of these with imagePullPolicy: Never.
type Images struct {
	Pause   string // the pod sandbox (the pod program's pause mode)
	Pod     string // the test workload (the pod program's serve mode)
	CoreDNS string
}

// imageFile is one file put at the root of an image.
type imageFile struct {
	name string // path inside the image, without a leading slash
	src  string // local file
}

type imageDef struct {
	repo       string
	files      []imageFile
	entrypoint []string
}

// WriteImages writes one docker-archive tarball holding the pause, pod
// and CoreDNS images, made from the binaries in bin, to dst; the returned
// references are tagged with a hash of the contents so a changed binary is
// a new image. The images are for this machine's architecture: the
// binaries are built here for the nodes this driver runs on.
func WriteImages(bin, dst string) (Images, error) {
	pod := imageFile{name: PodProgram, src: filepath.Join(bin, PodProgram)}
	dns := imageFile{name: "coredns", src: filepath.Join(bin, "coredns")}
	podTag, err := fileTag(pod.src)
	if err != nil {
		return Images{}, err
	}
	dnsTag, err := fileTag(dns.src)
	if err != nil {
		return Images{}, err
	}
	defs := []imageDef{
		{repo: "edgerig.local/pause:" + podTag, files: []imageFile{pod}, entrypoint: []string{"/" + PodProgram, "pause"}},
		{repo: "edgerig.local/pod:" + podTag, files: []imageFile{pod}, entrypoint: []string{"/" + PodProgram, "serve", ":8080"}},
		{repo: "edgerig.local/coredns:" + dnsTag, files: []imageFile{dns}, entrypoint: []string{"/coredns"}},
	}
	imgs := Images{Pause: defs[0].repo, Pod: defs[1].repo, CoreDNS: defs[2].repo}
	tmp := dst + ".part"
	f, err := os.Create(tmp)
	if err != nil {
		return Images{}, fmt.Errorf("image archive: %w", err)
	}
	defer os.Remove(tmp)
	if err := writeArchive(f, defs); err != nil {
		f.Close()
		return Images{}, fmt.Errorf("writing image archive %s: %w", dst, err)
	}
	if err := f.Close(); err != nil {
		return Images{}, fmt.Errorf("image archive: %w", err)
	}
	return imgs, os.Rename(tmp, dst)
}

func fileTag(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("image contents: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("image contents %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
}

// writeArchive writes the docker save format: per image a layer tarball and
// a config, and manifest.json naming them. Layers with the same files are
// written once. ctr images import reads this format.
func writeArchive(w io.Writer, defs []imageDef) error {
	tw := tar.NewWriter(w)
	type manifestEntry struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var manifest []manifestEntry
	written := map[string]bool{}
	for _, d := range defs {
		layer, err := layerTar(d.files)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(layer)
		diffID := hex.EncodeToString(sum[:])
		layerPath := diffID + "/layer.tar"
		if !written[layerPath] {
			if err := addFile(tw, layerPath, layer, 0o644); err != nil {
				return err
			}
			written[layerPath] = true
		}
		cfg, err := json.Marshal(map[string]any{
			"architecture": runtime.GOARCH,
			"os":           "linux",
			"created":      time.Unix(0, 0).UTC(),
			"config": map[string]any{
				"Entrypoint": d.entrypoint,
				"Env":        []string{"PATH=/"},
			},
			"rootfs": map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + diffID}},
		})
		if err != nil {
			return err
		}
		csum := sha256.Sum256(cfg)
		cfgPath := hex.EncodeToString(csum[:]) + ".json"
		if err := addFile(tw, cfgPath, cfg, 0o644); err != nil {
			return err
		}
		manifest = append(manifest, manifestEntry{Config: cfgPath, RepoTags: []string{d.repo}, Layers: []string{layerPath}})
	}
	m, err := json.Marshal(manifest)
	if err != nil {
		return err
	}
	if err := addFile(tw, "manifest.json", m, 0o644); err != nil {
		return err
	}
	return tw.Close()
}

// layerTar is an uncompressed layer with files at its root, owned by root,
// with a fixed time so the same binaries give the same layer.
func layerTar(files []imageFile) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		data, err := os.ReadFile(f.src)
		if err != nil {
			return nil, fmt.Errorf("image layer: %w", err)
		}
		if err := addFile(tw, f.name, data, 0o755); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func addFile(tw *tar.Writer, name string, data []byte, mode int64) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}
