# edgerig: the two set-up commands are `make run` and `make test`.
SHELL := /bin/bash
GO ?= go
CACHE ?= $(HOME)/.cache/edgerig
BIN := bin
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/edgerig/edgerig/internal/version.Version=$(VERSION)
export EDGERIG_CACHE := $(CACHE)

.PHONY: compare-demo images
.PHONY: all deps build probes run test test-unit bench bench-probe bench-ssh bench-report docs-report fmt vet clean smoke-arm test-faults

all: build

# Install and start what the local testbed needs (docker.io, sshd, QEMU, ...).
deps:
	@bash fixtures/setup/deps.sh

build:
	@mkdir -p $(BIN)
	CGO_ENABLED=0 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# Static probe builds for every architecture edgerig places it on.
probes:
	@mkdir -p $(BIN)/probes
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/probes/edgerig-probe-linux-amd64 ./cmd/edgerig-probe
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/probes/edgerig-probe-linux-arm64 ./cmd/edgerig-probe
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/probes/edgerig-probe-linux-armv7 ./cmd/edgerig-probe
	CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=6 $(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/probes/edgerig-probe-linux-armv6 ./cmd/edgerig-probe

# The main job: the idle experiment on this machine, then the word count
# (real HDFS and Spark as processes, --quick), each ending with a report.
run: deps build probes
	$(BIN)/edgerig run experiments/idle-local.yaml
	$(BIN)/edgerig run experiments/wordcount.yaml --testbed local --quick

# Every test, integration tests included (they use the real Docker engine,
# sshd, QEMU). In CI (CI=true) a missing dependency fails instead of skipping.
test: deps build probes
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 60m -skip '^TestCompareDemo$$' ./...
	# The compare demo measures speed: alone, after the rest.
	$(GO) test -count=1 -timeout 20m -run '^TestCompareDemo$$' ./fixtures/demo/

# Comparing hardware generations on this machine: experiments/compare-demo.yaml
# on a container testbed posing as a Raspberry Pi 2, then as a Pi 4 (CPU
# quotas calibrated against the boards' published 7-Zip ratings), and
# edgerig compare of the two runs (about 5 minutes; prints the comparison
# and its directory).
compare-demo: deps build probes
	bash fixtures/demo/compare-demo.sh

# The word count's container image in the local Docker engine, for each
# architecture in ARCH (comma-separated: amd64, arm64, armv7); ARM ones are
# built under qemu-user. Root filesystems are cached under $(CACHE)/spark-image
# with a JSON record of each build's time; prints one image reference each.
ARCH ?= amd64
images: deps build
	$(BIN)/edgerig image build --arch $(ARCH)

# The ARM smoke run: an emulated arm64 and an emulated armv7 host (QEMU,
# images built once and cached under $(CACHE)/qemu) beside this machine,
# experiments/smoke-arm.yaml across all three, and a check that the report
# shows both ARM hosts with samples and the probe's overhead on each.
smoke-arm: deps build probes
	EDGERIG_SMOKE_ARM=1 $(GO) test -count=1 -timeout 80m -run '^TestSmokeARM$$' -v ./testbed/qemu/

# The runner's fault tests on a 4-node container testbed (a node killed or
# cut off during measure, Ctrl-C, a swapped host key); part of make test,
# this target runs them alone.
test-faults: deps build
	$(GO) test -count=1 -timeout 30m -v ./testbed/faults/

test-unit:
	$(GO) test -short -count=1 ./...

bench: build probes
	$(GO) test -run '^$$' -bench . -benchtime 3x ./...

# The SSH transport at scale: connect + host facts + a 2 MB upload on 100
# in-process SSH endpoints (target: 10 s wall on 2 cores); prints the figures.
bench-ssh:
	$(GO) test -run '^$$' -bench HundredHosts -benchtime 1x ./transport/ssh/

# The probe's overhead beside node_exporter, monit (1 s cycle) and the Docker stats API (60 s
# at 1 Hz with 10 and 50 idle containers; about 6 minutes). Not part of
# `make test`: it prints measured figures rather than passing or failing.
bench-probe: deps
	CGO_ENABLED=0 $(GO) run ./probes/internal/benchprobe --duration 60s --containers 10,50

# The README's picture of a report: the checked-in 2×2 matrix fixture run
# rendered by edgerig report, its first two PDF pages converted by pdftoppm.
docs-report: build
	@tmp=$$(mktemp -d) && cp -r report/testdata/matrix-2x2 $$tmp/run && \
	$(BIN)/edgerig report $$tmp/run --results '' && mkdir -p docs && \
	pdftoppm -f 1 -l 1 -r 70 -png -singlefile $$tmp/run/report/report.pdf docs/report-page1 && \
	pdftoppm -f 2 -l 2 -r 70 -png -singlefile $$tmp/run/report/report.pdf docs/report-page2 && \
	rm -rf $$tmp && echo docs/report-page1.png docs/report-page2.png

# The report's streaming benchmark: 8 hosts × 20 containers × 1 h at 1 Hz,
# rendered in a child process; prints wall time and peak RSS.
bench-report:
	$(GO) test -run '^$$' -bench RenderLongRun -benchtime 1x ./report/

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)
