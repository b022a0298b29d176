package srclient

import (
	"bytes"
	"strings"
	"testing"
)

func TestWireHeader(t *testing.T) {
	b := append(AppendHeader(nil, 258), 'x')
	if !bytes.Equal(b, []byte{0, 0, 0, 1, 2, 'x'}) {
		t.Fatalf("% x", b)
	}
	id, payload, err := SplitHeader("t", b)
	if err != nil || id != 258 || string(payload) != "x" {
		t.Errorf("%d %q %v", id, payload, err)
	}
	for _, bad := range [][]byte{{0, 0, 0, 1}, {1, 0, 0, 0, 1}, {}} {
		if _, _, err := SplitHeader("t", bad); err == nil || !strings.HasSuffix(err.Error(), "of topic t: Unknown magic byte!") {
			t.Errorf("% x: %v", bad, err)
		}
	}
}
