package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/docker/docker/client"

	"github.com/edgerig/edgerig/internal/cli"
	"github.com/edgerig/edgerig/workload/sparkimage"
)

const imageBuildHelp = `Makes the word count's container image (Debian ` + sparkimage.Suite + `, Java 17, Python 3,
the Hadoop jars, PySpark and the job) in this machine's Docker engine, for amd64 or
for a Raspberry Pi's arm64 or armv7, without a registry. The root filesystem is
built by debootstrap once per architecture (under qemu-user for ARM: minutes) and
cached under the edgerig cache (spark-image/), with a JSON record of its build
time; later calls import it or find the image tagged. Progress goes to stderr, one
image reference per architecture to stdout. ARM images run here under qemu-user
(binfmt_misc with the F flag, as fixtures/setup/deps.sh registers it).`

func imageBuildCmd() cli.Command {
	return cli.Command{
		Name: "image build", Summary: "build the word count's container image for amd64, arm64 or armv7",
		Help: imageBuildHelp,
		Flags: func(fs *flag.FlagSet) cli.Action {
			arch := fs.String("arch", "amd64", "architectures, comma-separated: amd64, arm64, armv7")
			mirror := fs.String("mirror", "", "Debian mirror (default: this machine's APT mirror)")
			return func(_ []string, stdio cli.IO) error {
				var arches []string
				for _, a := range strings.Split(*arch, ",") {
					if a = strings.TrimSpace(a); a != "" {
						if _, err := sparkimage.LookupArch(a); err != nil {
							return cli.UsageError{Msg: "--arch: " + err.Error()}
						}
						arches = append(arches, a)
					}
				}
				ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
				defer stop()
				dc, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
				if err != nil {
					return fmt.Errorf("docker client: %w", err)
				}
				defer dc.Close()
				for _, a := range arches {
					ref, err := sparkimage.Ensure(ctx, dc, sparkimage.Options{Arch: a, Mirror: *mirror, Progress: stdio.Err})
					if err != nil {
						return cli.Interrupted(ctx, "edgerig image build", err)
					}
					fmt.Fprintln(stdio.Out, ref)
				}
				return nil
			}
		},
	}
}
