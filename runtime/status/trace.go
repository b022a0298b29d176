package status

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// Trace renders an error as the trace field of a status. Tools parse the
// first line as "<exception class>: <message>", so it starts with the
// class Connect would name, followed by the Go stack where one is known.
func Trace(err error, stack []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "org.apache.kafka.connect.errors.ConnectException: %v", err)
	if len(stack) > 0 {
		for _, line := range strings.Split(strings.TrimSpace(string(stack)), "\n") {
			b.WriteString("\n\tat ")
			b.WriteString(strings.TrimSpace(line))
		}
	}
	return b.String()
}

// Stack returns the current goroutine's stack for Trace.
func Stack() []byte { return debug.Stack() }
