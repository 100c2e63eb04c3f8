package qemu

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// hostsFile is the part of package inventory's hosts.yaml that a QEMU
// testbed fills in. It is declared here, not imported, so that the testbed
// writes the documented file format and depends on no reader of it.
type hostsFile struct {
	Defaults       invDefaults         `yaml:"defaults"`
	Hosts          []invHost           `yaml:"hosts"`
	Testbeds       map[string][]string `yaml:"testbeds"`
	DefaultTestbed string              `yaml:"default_testbed"`
}

type invDefaults struct {
	User       string `yaml:"user"`
	Identity   string `yaml:"identity"`
	KnownHosts string `yaml:"known_hosts"`
}

type invHost struct {
	Name    string            `yaml:"name"`
	Local   bool              `yaml:"local,omitempty"`
	Address string            `yaml:"address,omitempty"`
	Port    int               `yaml:"port,omitempty"`
	Roles   []string          `yaml:"roles"`
	Labels  map[string]string `yaml:"labels"`
}

// Testbeds of the inventory: the emulated hosts alone, and with this
// machine (the runner's own host, reached without SSH) beside them, as the
// ARM smoke experiment runs.
const (
	TestbedName       = "qemu"
	TestbedWithLocal  = "qemu-and-local"
	localHostName     = "local"
	localHostRole     = "master"
	localHostHardware = "this-machine"
)

// renderInventory is DIR/hosts.yaml for vms: every VM a worker, labelled
// with its emulated hardware, all in the testbed "qemu"; this machine is
// the master of the testbed "qemu-and-local". Paths are relative to the
// file, so the directory can be moved or read from elsewhere.
func renderInventory(vms []*VM) ([]byte, error) {
	inv := hostsFile{
		Defaults: invDefaults{User: "root", Identity: userKeyFile, KnownHosts: "known_hosts"},
		Hosts: []invHost{{Name: localHostName, Local: true, Roles: []string{localHostRole},
			Labels: map[string]string{"hardware": localHostHardware}}},
		Testbeds:       map[string][]string{TestbedName: nil, TestbedWithLocal: {localHostName}},
		DefaultTestbed: TestbedName,
	}
	for _, v := range vms {
		a, err := LookupArch(v.Arch)
		if err != nil {
			return nil, err
		}
		inv.Hosts = append(inv.Hosts, invHost{
			Name: v.Name, Address: "127.0.0.1", Port: v.Port, Roles: []string{"worker"},
			Labels: map[string]string{"hardware": a.Hardware, "arch": a.Uname},
		})
		inv.Testbeds[TestbedName] = append(inv.Testbeds[TestbedName], v.Name)
		inv.Testbeds[TestbedWithLocal] = append(inv.Testbeds[TestbedWithLocal], v.Name)
	}
	b, err := yaml.Marshal(inv)
	if err != nil {
		return nil, err
	}
	head := "# Written by `edgerig testbed up qemu`: emulated ARM hosts on this machine,\n" +
		"# SSH forwarded on 127.0.0.1 only. `edgerig testbed down qemu --dir DIR` stops them.\n"
	return append([]byte(head), b...), nil
}

// renderKnownHosts pins each VM's host key to its forwarded port.
func renderKnownHosts(vms []*VM) []byte {
	var b strings.Builder
	for _, v := range vms {
		fmt.Fprintf(&b, "[127.0.0.1]:%s %s\n", strconv.Itoa(v.Port), v.HostKey)
	}
	return []byte(b.String())
}

func writeInventory(dir string, vms []*VM) error {
	inv, err := renderInventory(vms)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "known_hosts"), renderKnownHosts(vms), 0o644); err != nil {
		return fmt.Errorf("known_hosts: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "hosts.yaml"), inv, 0o644); err != nil {
		return fmt.Errorf("hosts.yaml: %w", err)
	}
	return nil
}
