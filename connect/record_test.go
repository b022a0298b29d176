package connect

import "testing"

type fixedOffset map[string]any

func (o fixedOffset) BuildOffset() map[string]any { return map[string]any(o) }

// TestSourceRecordOffset: SourceOffset when set, else the lazy one.
func TestSourceRecordOffset(t *testing.T) {
	lazy := fixedOffset{"pos": int64(2)}
	r := NewSourceRecord(nil, nil, "t", nil, nil, nil, nil)
	if r.Offset() != nil {
		t.Errorf("no offset: got %v", r.Offset())
	}
	r.LazyOffset = lazy
	if got := r.Offset(); got["pos"] != int64(2) {
		t.Errorf("lazy offset: got %v", got)
	}
	r.SourceOffset = map[string]any{"pos": int64(1)}
	if got := r.Offset(); got["pos"] != int64(1) {
		t.Errorf("SourceOffset set: got %v", got)
	}
}
