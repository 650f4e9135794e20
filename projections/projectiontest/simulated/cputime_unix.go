//go:build unix

package simulated

import (
	"syscall"
	"time"
)

// CPUTime is the user and system CPU time of the process so far: on a
// shared machine, work per CPU-second moves less than work per second.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
