package hdfs

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/edgerig/edgerig/transport"
)

// configure writes dir/conf/{core,hdfs}-site.xml and the empty webapps
// directories for one daemon (dn is the zero DataNode for the NameNode),
// starting from an empty dir so that an earlier run's storage never leaks
// into this one.
func (c *Cluster) configure(ctx context.Context, h Host, dir string, dn DataNode) error {
	conf := path.Join(dir, "conf")
	mk := []string{"sh", "-c", `rm -rf "$1" && mkdir -p "$1/conf/webapps/hdfs" "$1/conf/webapps/datanode" "$1/conf/webapps/static" "$1/data" "$1/logs"`, "sh", dir}
	if err := h.Run(ctx, transport.Cmd{Args: mk}); err != nil {
		return fmt.Errorf("hdfs: prepare %s: %w", dir, err)
	}
	nn := c.cfg.NameNode
	core := map[string]string{
		"fs.defaultFS":                fmt.Sprintf("hdfs://%s:%d", nn.Addr, nn.RPCPort),
		"hadoop.tmp.dir":              path.Join(dir, "data"),
		"hadoop.http.staticuser.user": c.cfg.User,
	}
	site := map[string]string{
		"dfs.replication":                 fmt.Sprint(c.cfg.Replication),
		"dfs.permissions.enabled":         "false",
		"dfs.namenode.rpc-address":        fmt.Sprintf("%s:%d", nn.Addr, nn.RPCPort),
		"dfs.namenode.http-address":       fmt.Sprintf("%s:%d", nn.Addr, nn.HTTPPort),
		"dfs.namenode.name.dir":           path.Join(dir, "data", "name"),
		"dfs.webhdfs.enabled":             "true",
		"dfs.namenode.safemode.extension": "0",
	}
	if dn.Addr != "" {
		site["dfs.datanode.address"] = fmt.Sprintf("%s:%d", dn.Addr, dn.DataPort)
		site["dfs.datanode.http.address"] = fmt.Sprintf("%s:%d", dn.Addr, dn.HTTPPort)
		site["dfs.datanode.ipc.address"] = fmt.Sprintf("%s:%d", dn.Addr, dn.IPCPort)
		// The NameNode's 307 names the DataNode by this, so it must be an
		// address the submitters reach.
		site["dfs.datanode.hostname"] = dn.Addr
		site["dfs.datanode.data.dir"] = path.Join(dir, "data", "dn")
		// The WebHDFS write path closes the file through the DataNode's own
		// HDFS client; its first retry of complete() waits 400 ms by
		// default, which would make every other write half a second slower.
		site["dfs.client.block.write.locateFollowingBlock.initial.delay.ms"] = "20"
	}
	for name, props := range map[string]map[string]string{"core-site.xml": core, "hdfs-site.xml": site} {
		if err := writeFile(ctx, h, path.Join(conf, name), xmlConf(props)); err != nil {
			return fmt.Errorf("hdfs: %w", err)
		}
	}
	return nil
}

func xmlConf(props map[string]string) []byte {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\"?>\n<!-- written by edgerig for one run -->\n<configuration>\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  <property><name>%s</name><value>%s</value></property>\n", xmlEscape(k), xmlEscape(props[k]))
	}
	b.WriteString("</configuration>\n")
	return []byte(b.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// writeFile puts data at dst on h through a local temporary file.
func writeFile(ctx context.Context, h Host, dst string, data []byte) error {
	f, err := os.CreateTemp("", "edgerig-hdfs-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := h.Copy(ctx, f.Name(), dst, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", dst, err)
	}
	return nil
}
