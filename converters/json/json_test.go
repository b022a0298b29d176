package jsonconv

import (
	"testing"

	"github.com/goconnect/goconnect/connect"
)

func TestDesc(t *testing.T) {
	if d := Desc(); d.Class != "org.apache.kafka.connect.json.JsonConverter" || d.Type != connect.TypeConverter {
		t.Fatalf("desc %+v", d)
	}
	if _, ok := Desc().New().(*Converter); !ok {
		t.Fatal("Desc().New returns the wrong type")
	}
}
