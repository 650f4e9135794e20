package main

import (
	"os"
	"runtime/debug"
)

// defaultMemoryLimit is the soft memory limit the command runs under
// unless GOMEMLIMIT says otherwise. Replaying ten million events into
// every built-in projection holds about 1 GiB of live state; with the Go
// runtime's default pacing (GOGC=100) the heap may grow to twice that
// before a collection. The soft limit makes the collector run earlier as
// the process nears it, which keeps such a replay under 2 GiB resident at
// a small cost in CPU. It is soft: a larger ledger still runs, with more
// frequent collections.
const defaultMemoryLimit = 1750 << 20

// setMemoryLimit applies defaultMemoryLimit when GOMEMLIMIT is unset.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
}
