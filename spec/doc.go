// Package spec loads experiment specs (experiments/*.yaml) strictly and
// expands them into trials.
//
// A spec says what to run (an orchestrator, plain steps, a workload), how
// long each phase lasts and how the probes sample. Load and Parse refuse
// unknown fields, wrong types, duplicate keys, empty files and YAML syntax
// errors, reporting every problem at once as "FILE:LINE:COL: path: message"
// (an *Errors), because a mistake found after an hour of setting up a
// cluster costs the hour. Trials expands the matrix and repeat; it cannot
// fail, since Parse has already decoded every matrix value into its field.
//
// Schema (v1), with defaults:
//
//	name: idle-local            # required; [a-z0-9][a-z0-9-]*
//	description: "..."          # optional
//	reference:                  # optional map string→string, shown in reports
//	  paper: "PyMon (Figures 4-5)"
//	testbed: local              # optional; the inventory's default if absent
//	repeat: 1                   # 1..100
//	matrix:                     # dotted path of a scalar field → values
//	  orchestrator.kind: [none, swarm]
//	orchestrator:
//	  kind: none                # none | swarm | kubernetes
//	  master_role: master
//	  worker_role: worker
//	phases:
//	  setup:    {timeout: 5m}
//	  settle:   {duration: 10s, quick: 2s}    # quick default: min(duration, 2s)
//	  measure:  {duration: 60s, quick: 10s}   # quick default: min(duration, 10s)
//	  teardown: {timeout: 5m}
//	probe:
//	  interval: 1s              # 100ms..1h
//	  containers: true
//	  daemons: [kube-apiserver, etcd, kube-controller-manager, kube-scheduler,
//	            kubelet, kube-proxy, coredns, containerd, dockerd, k3s]
//	  roles: []                 # empty: every host of the testbed
//	steps:
//	  - name: docker-info       # default step-N
//	    phase: setup            # setup | settle | measure | teardown (default setup)
//	    roles: [master]         # required, non-empty
//	    run: [docker, info]     # required argv list, never a shell string
//	    timeout: 30s            # default 1m
//	    ignore_error: false
//	workload:                   # optional; kind required, the rest defaulted
//	  kind: wordcount
//	  file_size: 532B
//	  rate: 1/s
//	  files: 120                # per collector, 1..1000000
//	  collectors_role: collector
//	  driver_role: spark-driver
//	  poll_interval: 1s
//	  executor_memory: 500MB
//	provision:                  # optional: more than the parts above need
//	  packages: [jq]            # Debian packages on every host
//	  sysctls:                  # kernel parameters on every host, in order
//	    net.core.somaxconn: "1024"
//
// What each part needs on a host (a Docker engine for swarm, the memory
// cgroup and swap off for kubernetes, Java and Python for the word count,
// an NTP client always) is declared in package provision; `edgerig run`
// checks it and `edgerig provision` makes it true.
//
// Durations use Go syntax with a unit and must be > 0 ("60s", "10m"); a
// bare number is refused. Sizes take B, KB, MB, GB (powers of 1000, so
// 1.04KB = 1040 B) or KiB, MiB, GiB. Rates are N/s, N/m or N/h. Aliases
// (*name) are refused: every value is written out.
package spec
