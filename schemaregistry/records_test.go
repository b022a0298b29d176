package schemaregistry

import (
	"strings"
	"testing"
)

// Golden _schemas records: the bytes Confluent's registry writes for each
// operation (its SchemaRegistryKey subclasses with @JsonPropertyOrder and
// NON_EMPTY inclusion, SchemaValue, ConfigValue, ModeValue,
// DeleteSubjectValue, ClearSubjectValue, ContextKey/ContextValue; see
// SchemaValuesTest for the value shape), so a Confluent registry reading
// the topic finds its own records.
func TestSchemasTopicRecords(t *testing.T) {
	a := newAPI(t)
	step := func(method, path, body string, status int, want ...string) {
		t.Helper()
		n := a.j.len()
		if st, got, _ := a.call(method, path, body); st != status {
			t.Fatalf("%s %s = %d %s", method, path, st, got)
		}
		got := a.j.since(n)
		if len(got) != len(want)/2 {
			t.Fatalf("%s %s wrote %d records, want %d: %q", method, path, len(got), len(want)/2, got)
		}
		for i, rec := range got {
			if rec[0] != want[2*i] || rec[1] != want[2*i+1] {
				t.Errorf("%s %s record %d:\n  key   %s\n  value %s\nwant\n  key   %s\n  value %s", method, path, i, rec[0], rec[1], want[2*i], want[2*i+1])
			}
		}
	}
	str := `{"subject":"s","version":1,"id":1,"schemaType":"AVRO","schema":"\"string\"","deleted":`
	step("POST", "/subjects/s/versions", body(`"string"`), 200,
		`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, str+`false}`)
	step("POST", "/subjects/s/versions", body(`"string"`), 200) // already there: nothing written
	step("POST", "/subjects/s/versions", body(`"bytes"`), 200,
		`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`, `{"subject":"s","version":2,"id":2,"schemaType":"AVRO","schema":"\"bytes\"","deleted":false}`)
	step("PUT", "/config", `{"compatibility":"FULL"}`, 200,
		`{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"FULL"}`)
	step("PUT", "/config/s", `{"compatibility":"NONE"}`, 200,
		`{"keytype":"CONFIG","subject":"s","magic":0}`, `{"subject":"s","compatibilityLevel":"NONE"}`)
	step("PUT", "/mode/s", `{"mode":"READONLY"}`, 200,
		`{"keytype":"MODE","subject":"s","magic":0}`, `{"subject":"s","mode":"READONLY"}`)
	step("PUT", "/mode/s", `{"mode":"READWRITE"}`, 200,
		`{"keytype":"MODE","subject":"s","magic":0}`, `{"subject":"s","mode":"READWRITE"}`)
	step("DELETE", "/subjects/s/versions/1", "", 200,
		`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, str+`true}`)
	step("DELETE", "/subjects/s/versions/1?permanent=true", "", 200,
		`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, ``)
	// A soft subject delete is one DELETE_SUBJECT record up to the last version.
	step("DELETE", "/subjects/s", "", 200,
		`{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":2}`)
	// A hard one tombstones each version (newest first), then the
	// subject's mode and config.
	step("DELETE", "/subjects/s?permanent=true", "", 200,
		`{"keytype":"SCHEMA","subject":"s","version":2,"magic":1}`, ``,
		`{"keytype":"MODE","subject":"s","magic":0}`, ``,
		`{"keytype":"CONFIG","subject":"s","magic":0}`, ``)
	step("DELETE", "/config", "", 200, `{"keytype":"CONFIG","magic":0}`, ``)
	// The first schema of a context writes the context record.
	step("POST", "/subjects/:.ctx:c/versions", body(`"int"`), 200,
		`{"keytype":"CONTEXT","tenant":"default","context":".ctx","magic":0}`, `{"tenant":"default","context":".ctx"}`,
		`{"keytype":"SCHEMA","subject":":.ctx:c","version":1,"magic":1}`, `{"subject":":.ctx:c","version":1,"id":1,"schemaType":"AVRO","schema":"\"int\"","deleted":false}`)
	step("POST", "/subjects/r/versions", body(customer, `"references":[{"name":"t.Address","subject":"a","version":1}]`), 422)
	step("POST", "/subjects/a/versions", body(address), 200,
		`{"keytype":"SCHEMA","subject":"a","version":1,"magic":1}`, `{"subject":"a","version":1,"id":3,"schemaType":"AVRO","schema":`+quote(address)+`,"deleted":false}`)
	step("POST", "/subjects/r/versions", body(customer, `"references":[{"name":"t.Address","subject":"a","version":1}]`, `"metadata":{"properties":{"k":"v"}}`), 200,
		`{"keytype":"SCHEMA","subject":"r","version":1,"magic":1}`, `{"subject":"r","version":1,"id":4,"schemaType":"AVRO","references":[{"name":"t.Address","subject":"a","version":1}],"metadata":{"properties":{"k":"v"}},"schema":`+quote(customerStored)+`,"deleted":false}`)
	step("PUT", "/mode", `{"mode":"READONLY"}`, 200, `{"keytype":"MODE","magic":0}`, `{"mode":"READONLY"}`)
	step("PUT", "/mode", `{"mode":"READWRITE"}`, 200, `{"keytype":"MODE","magic":0}`, `{"mode":"READWRITE"}`)
	// Entering IMPORT hard-deletes what is soft-deleted, then clears.
	step("DELETE", "/subjects/r", "", 200, `{"keytype":"DELETE_SUBJECT","subject":"r","magic":0}`, `{"subject":"r","version":1}`)
	step("PUT", "/mode/r", `{"mode":"IMPORT"}`, 200,
		`{"keytype":"SCHEMA","subject":"r","version":1,"magic":1}`, ``,
		`{"keytype":"CLEAR_SUBJECT","subject":"r","magic":0}`, `{"subject":"r"}`,
		`{"keytype":"MODE","subject":"r","magic":0}`, `{"subject":"r","mode":"IMPORT"}`)

	// A registry replaying these records answers as the one that wrote them.
	b := New(nil)
	for _, rec := range a.j.since(0) {
		var v []byte
		if rec[1] != "" {
			v = []byte(rec[1])
		}
		b.Replay([]byte(rec[0]), v)
	}
	if got := b.Subjects(); strings.Join(got, ",") != ":.ctx:c,a" {
		t.Errorf("replayed subjects %q", got)
	}
	if m, _ := b.GetMode("r", false); m != ModeImport {
		t.Errorf("replayed mode of r %q", m)
	}
	if _, err := b.GetConfig("s", false); err == nil {
		t.Error("replayed config of s survived its tombstone")
	}
	if got := b.Contexts(); strings.Join(got, ",") != ".,.ctx" {
		t.Errorf("replayed contexts %q", got)
	}
	if v, err := b.SchemaByID(1, ":.ctx:"); err != nil || v.Schema != `"int"` {
		t.Errorf("replayed id 1 of .ctx: %v %v", v, err)
	}
	if _, err := b.SchemaByID(1, ""); err == nil {
		t.Error("replayed id 1 of the default context survived its tombstone")
	}
}

// A topic Confluent's registry wrote, record by record (older records
// without schemaType, a legacy CONFIG value without subject, NOOP keys, a
// soft subject delete, a tombstone), reads as Confluent reads it.
func TestReplayConfluentTopic(t *testing.T) {
	r := New(nil)
	topic := [][2]string{
		{`{"keytype":"NOOP","magic":0}`, ``},
		{`{"keytype":"CONFIG","subject":null,"magic":0}`, `{"compatibilityLevel":"FORWARD"}`},
		{`{"keytype":"SCHEMA","subject":"test","version":1,"magic":1}`, `{"subject":"test","version":1,"id":1,"schema":"{\"type\":\"record\",\"name\":\"myrecord\",\"fields\":[{\"name\":\"f1067572235\",\"type\":\"string\"}]}","deleted":false}`},
		{`{"keytype":"SCHEMA","subject":"test","version":2,"magic":1}`, `{"subject":"test","version":2,"id":2,"schemaType":"AVRO","schema":"\"string\"","deleted":false}`},
		{`{"keytype":"SCHEMA","subject":"gone","version":1,"magic":1}`, `{"subject":"gone","version":1,"id":3,"schema":"\"int\"","deleted":false}`},
		{`{"keytype":"DELETE_SUBJECT","subject":"gone","magic":0}`, `{"subject":"gone","version":1}`},
		{`{"keytype":"SCHEMA","subject":"test","version":2,"magic":1}`, ``},
		{`{"keytype":"CONFIG","subject":"test","magic":0}`, `{"compatibilityLevel":"NONE"}`},
		{`{"keytype":"MODE","subject":"test","magic":0}`, `{"subject":"test","mode":"READONLY"}`},
		{`{"keytype":"SOMETHING_NEW","magic":0}`, `{"x":1}`},
	}
	for _, rec := range topic {
		var v []byte
		if rec[1] != "" {
			v = []byte(rec[1])
		}
		r.Replay([]byte(rec[0]), v)
	}
	if got := r.Subjects(); strings.Join(got, ",") != "test" {
		t.Errorf("subjects %q", got)
	}
	if got, _ := r.ListVersions("gone", DeletedOnly); len(got) != 1 {
		t.Errorf("soft-deleted subject versions %v", got)
	}
	if vs, _ := r.Versions("test"); len(vs) != 1 || vs[0] != 1 {
		t.Errorf("versions of test %v", vs)
	}
	if c, _ := r.GetConfig("", false); c.CompatibilityLevel != Forward {
		t.Errorf("global level %v", c)
	}
	if r.Level("test") != None {
		t.Errorf("subject level %s", r.Level("test"))
	}
	if m, _ := r.GetMode("test", false); m != ModeReadOnly {
		t.Errorf("mode %s", m)
	}
	// The next id follows the highest seen.
	if id, err := New(nil).Register("x", `"int"`); err != nil || id != 1 {
		t.Fatalf("fresh registry id %d %v", id, err)
	}
	if _, err := r.Register("test", `"long"`); err == nil {
		t.Fatal("a READONLY subject accepted a registration")
	}
	if id, err := r.Register("other", `"long"`); err != nil || id != 4 {
		t.Errorf("next id %d %v, want 4", id, err)
	}
}
