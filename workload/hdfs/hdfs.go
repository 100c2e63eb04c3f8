// Package hdfs starts and stops an HDFS of one NameNode and its DataNodes
// from the Maven jars package install resolves: plain foreground JVMs run
// through each host's transport, configured by files written here, ready
// when the NameNode's JMX says every DataNode is live and safe mode is off.
package hdfs

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path"
	"strings"
	"time"

	"github.com/edgerig/edgerig/transport"
	"github.com/edgerig/edgerig/workload/daemon"
)

// Host is what a daemon's host must offer.
type Host interface {
	Run(ctx context.Context, c transport.Cmd) error
	Copy(ctx context.Context, src, dst string, perm os.FileMode) error
}

// NameNode says where the NameNode runs.
type NameNode struct {
	Host     Host
	Addr     string // address the others reach it at
	RPCPort  int    // fs.defaultFS (9000)
	HTTPPort int    // WebHDFS and JMX (9870)
}

// DataNode says where one DataNode runs.
type DataNode struct {
	Host                        Host
	Addr                        string
	DataPort, HTTPPort, IPCPort int // 9866, 9864, 9867
	Name                        string
}

// Config is one HDFS.
type Config struct {
	NameNode    NameNode
	DataNodes   []DataNode
	Replication int
	Jars        string // directory of the jars on every host
	Dir         string // working directory on every host (config, data, logs)
	Heap        string // -Xmx of each daemon, e.g. 256m
	User        string // hadoop.http.staticuser.user
}

// Cluster is a started HDFS.
type Cluster struct {
	cfg     Config
	daemons []*daemon.Daemon
}

// Start formats the NameNode's storage, starts the NameNode and every
// DataNode and waits until all DataNodes are live and safe mode is off, or
// ctx ends. On error the daemons already started keep running: call Stop.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Replication <= 0 {
		cfg.Replication = 1
	}
	if cfg.Heap == "" {
		cfg.Heap = "256m"
	}
	if cfg.User == "" {
		cfg.User = "edgerig"
	}
	c := &Cluster{cfg: cfg}
	nn := cfg.NameNode
	nnDir := path.Join(cfg.Dir, "namenode")
	if err := c.configure(ctx, nn.Host, nnDir, DataNode{}); err != nil {
		return c, err
	}
	var out transport.Tail
	format := append(c.java(nnDir, "org.apache.hadoop.hdfs.server.namenode.NameNode"), "-format", "-nonInteractive", "-force")
	if err := nn.Host.Run(ctx, transport.Cmd{Args: format, Stdout: &out, Stderr: &out}); err != nil {
		return c, fmt.Errorf("hdfs: format the NameNode: %w\n%s", err, out.String())
	}
	c.daemons = append(c.daemons, daemon.Start(nn.Host, "NameNode", c.java(nnDir, "org.apache.hadoop.hdfs.server.namenode.NameNode"), nil, nil))
	for i, dn := range cfg.DataNodes {
		if dn.Name == "" {
			dn.Name = fmt.Sprintf("datanode%d", i)
		}
		dir := path.Join(cfg.Dir, dn.Name)
		if err := c.configure(ctx, dn.Host, dir, dn); err != nil {
			return c, err
		}
		c.daemons = append(c.daemons, daemon.Start(dn.Host, "DataNode "+dn.Name, c.java(dir, "org.apache.hadoop.hdfs.server.datanode.DataNode"), nil, nil))
	}
	return c, c.waitReady(ctx)
}

// java is the command line of a daemon whose configuration is in dir/conf.
// The conf directory also holds the empty webapps/ the Maven jars lack.
func (c *Cluster) java(dir, class string) []string {
	name := "hdfs-datanode"
	if strings.HasSuffix(class, ".NameNode") {
		name = "hdfs-namenode"
	}
	return append(NamedJava(path.Join(dir, "bin"), name), "-Xmx"+c.cfg.Heap, "-Dhadoop.log.dir="+path.Join(dir, "logs"),
		"-cp", path.Join(dir, "conf")+":"+path.Join(c.cfg.Jars, "*"), class)
}

// NamedJava is the start of a command line that runs the host's java
// under another name: a symbolic link called name, in binDir, to the real
// binary. The kernel names a process after the file it executed, so the
// probe (probe.daemons) can tell a NameNode from a DataNode or a Spark
// executor, which would all be "java".
func NamedJava(binDir, name string) []string {
	return []string{"sh", "-c", `mkdir -p "$1" && ln -sf "$(readlink -f "$(command -v java)")" "$1/$2" && d=$1/$2 && shift 2 && exec "$d" "$@"`,
		"sh", binDir, name}
}

// HTTPAddr is the NameNode's WebHDFS address, host:port.
func (c *Cluster) HTTPAddr() string {
	return fmt.Sprintf("%s:%d", c.cfg.NameNode.Addr, c.cfg.NameNode.HTTPPort)
}

// URI is fs.defaultFS, hdfs://host:port.
func (c *Cluster) URI() string {
	return fmt.Sprintf("hdfs://%s:%d", c.cfg.NameNode.Addr, c.cfg.NameNode.RPCPort)
}

// Exited returns the first daemon that has ended, as an error; nil while
// all run.
func (c *Cluster) Exited() error {
	for _, d := range c.daemons {
		if err := d.Exited(); err != nil {
			return fmt.Errorf("hdfs: %w", err)
		}
	}
	return nil
}

// Stop ends the DataNodes, then the NameNode, waiting for each.
func (c *Cluster) Stop() error {
	var errs []string
	for i := len(c.daemons) - 1; i >= 0; i-- {
		if err := c.daemons[i].Stop(15 * time.Second); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("hdfs: %s", strings.Join(errs, "; "))
	}
	return nil
}

// waitReady polls the NameNode's JMX until every DataNode is live and safe
// mode is off.
func (c *Cluster) waitReady(ctx context.Context) error {
	u := fmt.Sprintf("http://%s/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo", c.HTTPAddr())
	hc := &http.Client{Timeout: 2 * time.Second}
	last := "no answer yet"
	for {
		if err := c.Exited(); err != nil {
			return err
		}
		live, safemode, err := nameNodeInfo(ctx, hc, u)
		switch {
		case err != nil:
			last = err.Error()
		case live >= len(c.cfg.DataNodes) && safemode == "":
			return nil
		default:
			last = fmt.Sprintf("%d of %d DataNodes live, safe mode %q", live, len(c.cfg.DataNodes), safemode)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("hdfs: not ready (%s): %w", last, ctx.Err())
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func nameNodeInfo(ctx context.Context, hc *http.Client, u string) (live int, safemode string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	var b struct {
		Beans []struct {
			LiveNodes string
			Safemode  string
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
		return 0, "", fmt.Errorf("NameNode JMX: %w", err)
	}
	if len(b.Beans) == 0 {
		return 0, "", fmt.Errorf("NameNode JMX: no NameNodeInfo bean yet")
	}
	var nodes map[string]json.RawMessage
	if err := json.Unmarshal([]byte(b.Beans[0].LiveNodes), &nodes); err != nil {
		return 0, "", fmt.Errorf("NameNode JMX LiveNodes: %w", err)
	}
	return len(nodes), b.Beans[0].Safemode, nil
}
