package worker

import (
	"bytes"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/jsonconverter"
)

// TestConvertKV: a record's key and value converted into one allocation
// are the bytes FromConnectData gives each (nil for a null), and a
// failure leaves them to the separate conversions, which report it.
func TestConvertKV(t *testing.T) {
	keySchema := data.StructBuilder().Field("id", data.Int32Schema).MustBuild()
	key := data.NewStruct(keySchema)
	key.PutIndex(0, int32(7))
	for _, schemas := range []string{"true", "false"} {
		kc, vc := jsonconverter.New(), jsonconverter.New()
		if err := kc.Configure(map[string]string{"schemas.enable": schemas}, true); err != nil {
			t.Fatal(err)
		}
		if err := vc.Configure(map[string]string{"schemas.enable": schemas}, false); err != nil {
			t.Fatal(err)
		}
		r := &sourceRunner{conv: &converters{key: kc, value: vc}}
		for _, rec := range []connect.Record{
			{Topic: "t", KeySchema: keySchema, Key: key, ValueSchema: data.StringSchema, Value: "v"},
			{Topic: "t", KeySchema: keySchema, Key: key},                    // tombstone
			{Topic: "t", ValueSchema: data.OptionalString, Value: "no key"}, // null key
			{Topic: "t"},
			{Topic: "t", ValueSchema: data.StringSchema, Value: ""},
		} {
			k, v, ok := r.convertKV(&rec)
			if !ok {
				t.Fatalf("%+v: not converted", rec)
			}
			wk, _ := kc.FromConnectData(rec.Topic, nil, rec.KeySchema, rec.Key)
			wv, _ := vc.FromConnectData(rec.Topic, nil, rec.ValueSchema, rec.Value)
			if !bytes.Equal(k, wk) || (k == nil) != (wk == nil) || !bytes.Equal(v, wv) || (v == nil) != (wv == nil) {
				t.Errorf("schemas %s %+v: key %q value %q, want %q %q", schemas, rec, k, v, wk, wv)
			}
			if k != nil && cap(k) != len(k) {
				t.Errorf("key %q can grow into the value", k)
			}
		}
		bad := connect.Record{Topic: "t", KeySchema: keySchema, Key: "not a struct", ValueSchema: data.StringSchema, Value: "v"}
		if _, _, ok := r.convertKV(&bad); ok {
			t.Error("a failed key conversion converted")
		}
	}
}

// TestConvertKVBlocks: records cut from shared blocks keep their bytes
// while later records are converted (across block boundaries, and for
// records longer than a block), and appending to one never reaches
// another's.
func TestConvertKVBlocks(t *testing.T) {
	kc, vc := jsonconverter.New(), jsonconverter.New()
	if err := kc.Configure(map[string]string{"schemas.enable": "false"}, true); err != nil {
		t.Fatal(err)
	}
	if err := vc.Configure(map[string]string{"schemas.enable": "false"}, false); err != nil {
		t.Fatal(err)
	}
	r := &sourceRunner{conv: &converters{key: kc, value: vc}}
	type kv struct{ k, v, wk, wv []byte }
	var got []kv
	for i := range 3000 {
		val := strings.Repeat(string(rune('a'+i%26)), i%300)
		switch i {
		case 1000:
			val = strings.Repeat("L", slabSize+100) // longer than a block
		case 1001:
			val = strings.Repeat("M", slabSize-slabMin+10) // longer than what is left
		}
		rec := connect.Record{Topic: "t", KeySchema: data.Int32Schema, Key: int32(i), ValueSchema: data.StringSchema, Value: val}
		k, v, ok := r.convertKV(&rec)
		if !ok {
			t.Fatalf("record %d not converted", i)
		}
		wk, _ := kc.FromConnectData("t", nil, rec.KeySchema, rec.Key)
		wv, _ := vc.FromConnectData("t", nil, rec.ValueSchema, rec.Value)
		got = append(got, kv{k, v, wk, wv})
		if i > 0 {
			// Appending to the previous record stays in its own bytes.
			p := got[i-1]
			_ = append(p.v, `"overwritten"`...)
			_ = append(p.k, `"overwritten"`...)
		}
	}
	for i, g := range got {
		if !bytes.Equal(g.k, g.wk) || !bytes.Equal(g.v, g.wv) {
			t.Fatalf("record %d: key %.40q value %.40q, want %.40q %.40q", i, g.k, g.v, g.wk, g.wv)
		}
	}
}
