// Command sleeper is the smallest service there is: it waits for SIGTERM.
// The tests build it statically into a FROM-scratch image, since no image
// can be pulled.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGINT)
	<-c
}
