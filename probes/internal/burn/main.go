// Command burn is the load the probe's accuracy tests and benchmark put in
// containers (FROM scratch images built by the tests) and processes: a busy
// loop, a known amount of touched memory, or nothing. Every mode ends by
// itself after --for, and at once on SIGTERM, so that a container running it
// as PID 1 stops without Docker's 10 s kill timeout.
//
//	burn [--for 10m] cpu
//	burn [--for 10m] [--after 0s] mem MIB
//	burn [--for 10m] idle
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// keep holds the touched memory for the life of the process.
var keep []byte

func main() {
	life := flag.Duration("for", 10*time.Minute, "exit after this long")
	after := flag.Duration("after", 0, "mem: wait this long before allocating")
	flag.Parse()
	runtime.GOMAXPROCS(1)
	var stop atomic.Bool
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	go func() {
		select {
		case <-sig:
		case <-time.After(*life):
		}
		stop.Store(true)
		os.Exit(0)
	}()
	switch flag.Arg(0) {
	case "cpu":
		x := uint64(1)
		for !stop.Load() {
			for i := 0; i < 1_000_000; i++ {
				x = x*6364136223846793005 + 1442695040888963407
			}
		}
		fmt.Println(x)
	case "mem":
		mib, err := strconv.Atoi(flag.Arg(1))
		if err != nil || mib <= 0 {
			fmt.Fprintln(os.Stderr, "burn mem: want a size in MiB")
			os.Exit(2)
		}
		debug.SetGCPercent(-1)
		time.Sleep(*after)
		keep = make([]byte, mib<<20)
		for i := 0; i < len(keep); i += 4096 {
			keep[i] = 1 // touch every page, so it is resident
		}
		fmt.Println("allocated", mib, "MiB")
		select {}
	case "idle":
		select {}
	default:
		fmt.Fprintln(os.Stderr, "usage: burn [--for D] cpu | [--after D] mem MIB | idle")
		os.Exit(2)
	}
}
