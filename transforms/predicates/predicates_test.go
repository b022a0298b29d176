package predicates

import (
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
)

func TestPredicates(t *testing.T) {
	tn := &TopicNameMatches{}
	if err := tn.Configure(map[string]string{"pattern": "orders-.*"}); err != nil {
		t.Fatal(err)
	}
	if !tn.Test(&connect.Record{Topic: "orders-1"}) || tn.Test(&connect.Record{Topic: "xorders-1"}) {
		t.Fatal("TopicNameMatches must match the whole topic")
	}
	hk := &HasHeaderKey{}
	if err := hk.Configure(map[string]string{"name": "trace"}); err != nil {
		t.Fatal(err)
	}
	if !hk.Test(&connect.Record{Headers: connect.Headers{{Key: "trace"}}}) || hk.Test(&connect.Record{}) {
		t.Fatal("HasHeaderKey")
	}
	tomb := &RecordIsTombstone{}
	if !tomb.Test(&connect.Record{Key: "k"}) || tomb.Test(&connect.Record{Value: 1}) {
		t.Fatal("RecordIsTombstone")
	}
	for _, c := range []struct {
		p     connect.Predicate
		props map[string]string
		key   string
	}{{&TopicNameMatches{}, map[string]string{}, "pattern"}, {&TopicNameMatches{}, map[string]string{"pattern": "("}, "pattern"}, {&HasHeaderKey{}, map[string]string{}, "name"}} {
		if err := c.p.Configure(c.props); err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%T %v: %v", c.p, c.props, err)
		}
	}
}
