// Package nodebench is the work edgerig-bench does on a testbed node, so
// that an emulated board can be checked against the real one: a CPU score
// from a fixed mix of compression, hashing and integer work; a memory
// allocation of a given size, touched page by page; and a bounded TCP
// sender and receiver that measure the rate between two nodes.
//
// The CPU work is compression first (deflate and inflate of generated
// text, whose match finding and entropy coding are the same kind of work as
// the LZMA benchmark of 7-Zip that published per-board figures use),
// followed by a table-free hash and an integer mix, all in plain Go: no
// instruction a compiler maps to a single hardware feature (SHA or CRC
// extensions) that one CPU has and another lacks.
//
// Every loop here ends by itself: the CPU run after its duration, the
// allocation at its size, the sender after its bytes or its duration, the
// receiver at EOF or its timeout.
package nodebench
