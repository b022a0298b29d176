package status

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/goconnect/goconnect/internal/mask"
)

// Trace renders an error as the trace field of a status. Tools parse the
// first line as "<exception class>: <message>", so it starts with the
// class Connect would name, followed by the Go stack where one is known.
// URL passwords and credential values in the message are masked.
func Trace(err error, stack []byte) string {
	var b strings.Builder
	fmt.Fprintf(&b, "org.apache.kafka.connect.errors.ConnectException: %s", mask.Text(fmt.Sprint(err)))
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
