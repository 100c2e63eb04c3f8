package sparkimage

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/client"
)

// config is the image's configuration in the form `docker load` reads (the
// OCI image configuration's fields that the engine keeps).
type config struct {
	Architecture string    `json:"architecture"`
	OS           string    `json:"os"`
	Variant      string    `json:"variant,omitempty"`
	Created      time.Time `json:"created"`
	Config       struct {
		Env    []string          `json:"Env"`
		Cmd    []string          `json:"Cmd"`
		Labels map[string]string `json:"Labels"`
	} `json:"config"`
	RootFS struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
	History []history `json:"history"`
}

type history struct {
	Created   time.Time `json:"created"`
	CreatedBy string    `json:"created_by"`
}

// manifestEntry is one image of a `docker save` archive's manifest.json.
type manifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// imageConfig describes the image of a whose one layer has the digest
// diffID. The platform is written here because the engine's import cannot
// be told it: Docker 20.10 labels an imported image with its own
// architecture whatever the platform asked, and Swarm places a service only
// on nodes of its image's architecture.
func imageConfig(a Arch, diffID string, now time.Time) config {
	parts := strings.Split(a.Platform, "/")
	c := config{OS: parts[0], Architecture: parts[1], Created: now.UTC()}
	if len(parts) > 2 {
		c.Variant = parts[2]
	}
	c.Config.Env = []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"JAVA_HOME=" + a.JavaHome(),
		"SPARK_HOME=" + Paths.SparkHome,
		"PYSPARK_PYTHON=" + Paths.Python,
		"PYSPARK_DRIVER_PYTHON=" + Paths.Python,
		"HADOOP_JARS=" + Paths.Jars,
	}
	c.Config.Cmd = []string{"/bin/bash"}
	c.Config.Labels = map[string]string{"edgerig.spark-image": Key(a), "edgerig.arch": a.Name}
	c.RootFS.Type = "layers"
	c.RootFS.DiffIDs = []string{diffID}
	c.History = []history{{Created: c.Created, CreatedBy: "edgerig sparkimage: debootstrap " + Suite + " " + a.DebArch + " with the Hadoop jars and PySpark"}}
	return c
}

// loadImage writes the cached root filesystem with the word count's parts
// added as one layer file in work, hashing it on the way (an image's
// configuration names its layers by digest), then streams an archive of
// that layer and a's configuration into the engine as ref.
func loadImage(ctx context.Context, cli *client.Client, a Arch, tarball, work, ref string, p parts) error {
	f, err := os.Open(tarball)
	if err != nil {
		return fmt.Errorf("sparkimage: %w", err)
	}
	defer f.Close()
	layer := filepath.Join(work, "layer.tar")
	lf, err := os.Create(layer)
	if err != nil {
		return fmt.Errorf("sparkimage: %w", err)
	}
	defer lf.Close()
	sum := sha256.New()
	if err := writeLayer(f, io.MultiWriter(lf, sum), p); err != nil {
		return err
	}
	if err := lf.Close(); err != nil {
		return fmt.Errorf("sparkimage: writing %s: %w", layer, err)
	}
	c := imageConfig(a, "sha256:"+hex.EncodeToString(sum.Sum(nil)), time.Now())
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeArchive(pw, c, layer, ref)) }()
	defer pr.Close()
	resp, err := cli.ImageLoad(ctx, pr, client.ImageLoadWithQuiet(true))
	if err != nil {
		return fmt.Errorf("sparkimage: loading %s: %w", ref, err)
	}
	defer resp.Body.Close()
	return readJSONStream(resp.Body, "sparkimage: loading "+ref)
}

// writeArchive writes the `docker save` form of an image of one layer: the
// configuration, the layer and manifest.json tagging it ref.
func writeArchive(w io.Writer, c config, layer, ref string) error {
	cj, err := json.Marshal(c)
	if err != nil {
		return err
	}
	id := sha256.Sum256(cj)
	cfgName := hex.EncodeToString(id[:]) + ".json"
	layerName := strings.TrimPrefix(c.RootFS.DiffIDs[0], "sha256:") + "/layer.tar"
	mj, err := json.Marshal([]manifestEntry{{Config: cfgName, RepoTags: []string{ref}, Layers: []string{layerName}}})
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	mod := c.Created
	add := func(name string, data []byte) error {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: mod}); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	if err := add(cfgName, cj); err != nil {
		return fmt.Errorf("sparkimage: archive: %w", err)
	}
	lf, err := os.Open(layer)
	if err != nil {
		return fmt.Errorf("sparkimage: archive: %w", err)
	}
	defer lf.Close()
	st, err := lf.Stat()
	if err != nil {
		return fmt.Errorf("sparkimage: archive: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: filepath.Dir(layerName) + "/", Mode: 0o755, ModTime: mod}); err != nil {
		return fmt.Errorf("sparkimage: archive: %w", err)
	}
	if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: layerName, Mode: 0o644, Size: st.Size(), ModTime: mod}); err != nil {
		return fmt.Errorf("sparkimage: archive: %w", err)
	}
	if _, err := io.Copy(tw, lf); err != nil {
		return fmt.Errorf("sparkimage: archive: %s: %w", layer, err)
	}
	if err := add("manifest.json", mj); err != nil {
		return fmt.Errorf("sparkimage: archive: %w", err)
	}
	return tw.Close()
}
