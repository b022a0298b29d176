package protoprint

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	in := "a\a\b\f\n\r\t\v\\'\"é"
	want := `a\a\b\f\n\r\t\v\\\'\"é`
	if got := Escape(in); got != want {
		t.Errorf("Escape(%q) = %q, want %q", in, got, want)
	}
}

func TestAppendIndented(t *testing.T) {
	var sb strings.Builder
	AppendIndented(&sb, "a {\n\n  b;\n}\n\n")
	if got, want := sb.String(), "  a {\n  \n    b;\n  }\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
