//go:build !unix

package simulated

import "time"

// CPUTime is 0 where the platform does not give the process's CPU time.
func CPUTime() time.Duration { return 0 }
