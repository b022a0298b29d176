package main

import "strings"

// splitSystemProps takes the JVM-style -Dkey=value arguments out of args
// (goconnect reads -Djava.security.auth.login.config from them, as the
// Java worker from its command line or KAFKA_OPTS).
func splitSystemProps(args []string) (sysProps, rest []string) {
	for _, a := range args {
		if strings.HasPrefix(a, "-D") && strings.Contains(a, "=") {
			sysProps = append(sysProps, a)
			continue
		}
		rest = append(rest, a)
	}
	return sysProps, rest
}
