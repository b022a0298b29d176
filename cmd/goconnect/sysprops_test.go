package main

import (
	"strings"
	"testing"
)

func TestSplitSystemProps(t *testing.T) {
	sys, rest := splitSystemProps([]string{"-log-level", "DEBUG", "-Djava.security.auth.login.config=/j.conf", "worker.properties"})
	if len(sys) != 1 || sys[0] != "-Djava.security.auth.login.config=/j.conf" || strings.Join(rest, " ") != "-log-level DEBUG worker.properties" {
		t.Fatalf("%v %v", sys, rest)
	}
}
