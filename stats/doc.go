// Package stats holds the few interval estimates edgerig's comparison of
// runs needs, written out so that what they assume is plain: Student t
// intervals for a mean over independent repeats, Welch's interval for a
// difference, Fieller's interval for a ratio of means, and a moving-block
// bootstrap for a single repeat's autocorrelated time series.
//
// The unit of replication is the repeat: samples taken once a second
// within one repeat are not independent (a busy minute stays busy), so a
// t-interval over them would be far too narrow. With one repeat only, the
// block bootstrap resamples blocks of consecutive samples, which keeps
// short-range dependence inside each block; it describes variation within
// that repeat, not between repeats, and callers say so.
package stats
