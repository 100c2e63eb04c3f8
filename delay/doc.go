// Package delay turns what the word-count job printed into the delay of
// every submitted file, and splits each delay into where it went.
//
// The job's stdout and the driver's log reach the runner as stamped lines
// (the host's clock when each line was written). Files are matched to
// batches through the driver's "New files at time T ms:" lines, and a
// batch to its output through pprint's "Time:" header; a file's tracer
// token, when it is among the ten records pprint shows, is a check. The
// delay of a file is the moment its batch's output was printed minus the
// moment the file was due, both on the runner's clock.
package delay
