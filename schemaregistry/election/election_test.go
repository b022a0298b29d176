package election

import (
	"encoding/json"
	"testing"
)

func TestAssign(t *testing.T) {
	id := func(host string, port int, eligible bool) Identity {
		return Identity{Version: 1, Host: host, Port: port, LeaderEligibility: eligible, Scheme: "http"}
	}
	// The eligible member with the smallest URL leads, compared as
	// strings (":9000" sorts after ":10000"), whatever the member ids.
	a := Assign(map[string]Identity{
		"m1": id("h", 9000, true),
		"m2": id("h", 10000, true),
		"m3": id("a", 1, false),
	})
	if a.Error != NoError || a.Leader != "m2" || a.LeaderIdentity == nil || a.LeaderIdentity.URL() != "http://h:10000" {
		t.Fatalf("assignment: %+v", a)
	}
	// Nobody eligible: no leader, no error.
	a = Assign(map[string]Identity{"m1": id("h", 1, false)})
	if a.Error != NoError || a.Leader != "" || a.LeaderIdentity != nil {
		t.Fatalf("no eligible member: %+v", a)
	}
	// Two members with one URL: Confluent's DUPLICATE_URLS.
	a = Assign(map[string]Identity{"m1": id("h", 1, true), "m2": id("h", 1, false)})
	if a.Error != DuplicateURLs {
		t.Fatalf("duplicate URLs: %+v", a)
	}
}

// The JSON is Confluent's SchemaRegistryIdentity and Assignment, so a
// Java instance could read it, and goconnect reads Java's.
func TestProtocolJSON(t *testing.T) {
	a := Assign(map[string]Identity{"m1": {Version: 1, Host: "h", Port: 8081, LeaderEligibility: true, Scheme: "http"}})
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"error":0,"master":"m1","master_identity":{"version":1,"host":"h","port":8081,"master_eligibility":true,"scheme":"http","leader":false}}`
	if string(b) != want {
		t.Fatalf("assignment JSON\n got %s\nwant %s", b, want)
	}
	var id Identity
	if err := json.Unmarshal([]byte(`{"host":"sr-1","port":8443,"master_eligibility":false,"scheme":"https","version":1,"leader":false,"extra":1}`), &id); err != nil {
		t.Fatal(err)
	}
	if id.URL() != "https://sr-1:8443" || id.LeaderEligibility {
		t.Fatalf("identity read: %+v", id)
	}
}
