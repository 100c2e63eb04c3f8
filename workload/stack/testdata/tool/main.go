// Command tool is what the stack's integration test runs as services: a
// static binary in a FROM-scratch image (no image can be pulled), with one
// verb per behaviour the test checks.
//
//	tool echo WORDS...   print the words on stdout, "oops" on stderr
//	tool exit N          exit with status N
//	tool write PATH TEXT write TEXT into PATH (a bind-mounted directory)
//	tool sleep           wait for SIGTERM
package main

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tool echo|exit|write|sleep ...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "echo":
		fmt.Println(strings.Join(os.Args[2:], " "))
		fmt.Fprintln(os.Stderr, "oops")
	case "exit":
		n, _ := strconv.Atoi(os.Args[2])
		fmt.Fprintln(os.Stderr, "exiting with", n)
		os.Exit(n)
	case "write":
		if err := os.WriteFile(os.Args[2], []byte(os.Args[3]), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "sleep":
		c := make(chan os.Signal, 1)
		signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
		fmt.Println("sleeping")
		<-c
	default:
		fmt.Fprintln(os.Stderr, "unknown verb", os.Args[1])
		os.Exit(2)
	}
}
