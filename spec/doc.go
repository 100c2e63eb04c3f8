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
//	testbed: local              # optional; the inventory's default if absent. Or a
//	                            # testbed the run makes, and removes after it:
//	                            # {kind: containers, nodes: 4} (kind required: containers;
//	                            # nodes 1..50, default 4; node1 is the master;
//	                            # as: rpi2|rpi3|rpi3b+|rpi4|rpi5, or one per node
//	                            # "rpi4,rpi3,...": nodes pose as those boards, CPU
//	                            # calibrated, memory, network and storage limited)
//	repeat: 1                   # 1..100; or adaptive, per matrix combination:
//	# repeat: {min: 3, max: 10, until_rsd: 3%, metric: host.cpu_pct}
//	#   runs min repeats (2..100), then one more while the relative standard
//	#   deviation (sample sd / |mean|) of the per-repeat values of metric is
//	#   above until_rsd, up to max (min..100). metric is host.cpu_pct,
//	#   host.mem_used_bytes or probe.cpu_pct (measure-phase mean over the
//	#   hosts, from the samples received by the repeat's end), or
//	#   step.NAME.seconds (wall time of the measure-phase step NAME, mean over
//	#   its hosts). The run's progress and report say how many repeats each
//	#   combination took and why it stopped.
//	matrix:                     # dotted path of a scalar field → values
//	  orchestrator.kind: [none, swarm]
//	orchestrator:
//	  kind: none                # none | swarm | kubernetes
//	  master_role: master
//	  worker_role: worker
//	  kubernetes:               # used by kind kubernetes
//	    install: binaries       # binaries | k3s | kubeadm
//	    version: v1.31.4        # a release; k3s's may carry its suffix (v1.31.4+k3s1)
//	    source: ""              # k3s and kubeadm only: where they come from on each host,
//	                            # package:NAME[,NAME] (apt-get install), binary:/PATH (the k3s
//	                            # binary, or a directory with kubeadm, kubelet, kubectl) or
//	                            # script:/PATH (an installer run with sh); default
//	                            # binary:/usr/local/bin/k3s for k3s,
//	                            # package:kubeadm,kubelet,kubectl for kubeadm
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
//	  spark_cpu_quota: 0.2      # optional: Spark's processes limited to 0.2 cores (a cgroup)
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
// install binaries runs upstream Kubernetes components built from their Go
// modules (the container testbed, or hosts without a distribution); k3s and
// kubeadm install and form the cluster by commands over SSH on real hosts.
//
// Durations use Go syntax with a unit and must be > 0 ("60s", "10m"); a
// bare number is refused. Sizes take B, KB, MB, GB (powers of 1000, so
// 1.04KB = 1040 B) or KiB, MiB, GiB. Rates are N/s, N/m or N/h. Aliases
// (*name) are refused: every value is written out.
package spec
