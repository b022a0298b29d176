package schemaregistry

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goconnect/goconnect/schemaregistry/election"
)

// countingStore is a Syncer that counts its calls and can hold them.
type countingStore struct {
	calls atomic.Int32
	hold  chan struct{} // nil: answer at once
}

func (s *countingStore) Sync(ctx context.Context) error {
	s.calls.Add(1)
	if s.hold != nil {
		select {
		case <-s.hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func identityOf(t *testing.T, rawURL string) election.Identity {
	t.Helper()
	host, port, err := net.SplitHostPort(strings.TrimPrefix(rawURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return election.Identity{Version: 1, Host: host, Port: p, LeaderEligibility: true, Scheme: "http"}
}

func call(t *testing.T, method, url, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// A follower forwards writes to the leader with the caller's
// Authorization, X-Request-ID and Confluent-Accept-Unknown-Properties
// headers, answers what the leader answers and reads its
// store before answering; a schema it holds already is answered by a
// look-up without the leader; reads are never forwarded.
func TestClusterForwards(t *testing.T) {
	leaderReg := New(nil)
	var mu sync.Mutex
	var seen []string // method path authorization of requests at the leader
	leaderSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		seen = append(seen, req.Method+" "+req.URL.RequestURI()+" "+req.Header.Get("Authorization")+
			" rid="+req.Header.Get("X-Request-ID")+" unknown="+req.Header.Get("Confluent-Accept-Unknown-Properties")+" other="+req.Header.Get("X-Other"))
		mu.Unlock()
		Handler(leaderReg).ServeHTTP(w, req)
	}))
	defer leaderSrv.Close()

	followerReg := New(nil)
	if _, err := followerReg.Register("known", `"string"`); err != nil {
		t.Fatal(err)
	}
	store := &countingStore{}
	c := NewCluster(ClusterConfig{GroupID: "g", Self: election.Identity{Host: "127.0.0.1", Port: 1, LeaderEligibility: true}, Stores: []Syncer{store}})
	leader := identityOf(t, leaderSrv.URL)
	c.SetLeader(&leader)
	follower := httptest.NewServer(c.Wrap(Handler(followerReg)))
	defer follower.Close()

	status, body := call(t, "POST", follower.URL+"/subjects/s/versions/?normalize=true", `{"schema":"\"int\""}`, "Authorization", "Basic YTpi", "Content-Type", contentType,
		"X-Request-ID", "r1", "Confluent-Accept-Unknown-Properties", "true", "X-Other", "not forwarded")
	if status != 200 || !strings.Contains(body, `"id":1`) {
		t.Fatalf("forwarded registration: %d %s", status, body)
	}
	if _, err := leaderReg.Get("s", 1, false); err != nil {
		t.Fatalf("the leader does not hold the schema: %v", err)
	}
	if _, err := followerReg.Get("s", 1, false); err == nil {
		t.Fatal("the follower wrote the schema itself")
	}
	mu.Lock()
	got := strings.Join(seen, "\n")
	mu.Unlock()
	// Confluent's RequestHeaderBuilder forwards these headers, and the
	// whitelist's: X-Other is neither.
	if got != "POST /subjects/s/versions/?normalize=true Basic YTpi rid=r1 unknown=true other=" {
		t.Fatalf("requests at the leader:\n%s", got)
	}
	if store.calls.Load() != 1 {
		t.Fatalf("store synced %d times after the forwarded write, want 1", store.calls.Load())
	}
	// Known here: answered without the leader.
	status, body = call(t, "POST", follower.URL+"/subjects/known/versions", `{"schema":"\"string\""}`)
	if status != 200 || !strings.Contains(body, `"id":1`) {
		t.Fatalf("look-up of a known schema: %d %s", status, body)
	}
	// Reads stay here.
	if status, body = call(t, "GET", follower.URL+"/subjects", ""); status != 200 || body != `["known"]` {
		t.Fatalf("read: %d %s", status, body)
	}
	for _, w := range []struct{ method, path, body string }{
		{"PUT", "/config/s", `{"compatibility":"NONE"}`},
		{"PUT", "/mode/s", `{"mode":"READONLY"}`},
		{"DELETE", "/mode/s", ""},
		{"DELETE", "/config", ""},
		{"POST", "/subjects/s/versions/1/tags", `{"newVersion":2,"tagsToAdd":[{"entityType":"SR_FIELD","entityPath":"x","tags":["PII"]}]}`},
	} {
		status, body = call(t, w.method, follower.URL+w.path, w.body)
		// The tag change reaches the leader, which refuses it ("int" has
		// no field x): its answer is the follower's.
		if (w.method == "POST" && (status != 422 || !strings.Contains(body, "42201"))) || (w.method != "POST" && status != 200) {
			t.Fatalf("%s %s forwarded: %d %s", w.method, w.path, status, body)
		}
	}
	mu.Lock()
	n := len(seen)
	mu.Unlock()
	if n != 6 {
		t.Fatalf("%d requests reached the leader, want 6", n)
	}
	// A write forwarded by an instance on another topic is refused.
	ownTopic := NewCluster(ClusterConfig{Topic: "_schemas", Self: leader})
	ownTopic.SetLeader(&leader)
	topicSrv := httptest.NewServer(ownTopic.Wrap(Handler(New(nil))))
	defer topicSrv.Close()
	status, body = call(t, "PUT", topicSrv.URL+"/config", `{"compatibility":"NONE"}`, topicHeader, "_other", forwardedHeader, "1")
	if status != 500 || !strings.Contains(body, `"error_code":50003`) || !strings.Contains(body, "the leader keeps topic _schemas, the forwarding instance _other") {
		t.Fatalf("a write from another topic's instance: %d %s", status, body)
	}
	// A request forwarded to an instance that does not lead is refused,
	// not forwarded again.
	status, body = call(t, "PUT", follower.URL+"/config/s", `{"compatibility":"FULL"}`, forwardedHeader, "1")
	if status != 500 || body != `{"error_code":50003,"message":"Error while forwarding update config request to the leader"}` {
		t.Fatalf("forwarded twice: %d %s", status, body)
	}
}

// Confluent's errors: 50004 at once while no leader is known (the wait
// for a new leader's catch-up does not apply), 50003 when the leader
// cannot be reached.
func TestClusterLeaderErrors(t *testing.T) {
	c := NewCluster(ClusterConfig{Self: election.Identity{Host: "127.0.0.1", Port: 1, LeaderEligibility: true}, LeaderWait: time.Minute})
	srv := httptest.NewServer(c.Wrap(Handler(New(nil))))
	defer srv.Close()
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "/subjects/s/versions", `{"schema":"\"int\""}`, `{"error_code":50004,"message":"Leader not known."}`},
		{"DELETE", "/subjects/s/versions/1", "", `{"error_code":50004,"message":"Leader not known."}`},
		{"PUT", "/config", `{"compatibility":"NONE"}`, `{"error_code":50004,"message":"Failed to update compatibility level"}`},
		{"DELETE", "/mode/s", "", `{"error_code":50004,"message":"Failed to delete mode"}`},
		{"DELETE", "/subjects/s", "", `{"error_code":50001,"message":"Error while deleting the subject s"}`},
		{"DELETE", "/subjects/:.:s", "", `{"error_code":50001,"message":"Error while deleting the subject s"}`},
		{"DELETE", "/subjects/:.ctx:s", "", `{"error_code":50001,"message":"Error while deleting the subject :.ctx:s"}`},
		{"DELETE", "/contexts/.ctx", "", `{"error_code":50001,"message":"Error while deleting context"}`},
		{"POST", "/dek-registry/v1/keks", `{}`, `{"error_code":50001,"message":"Error while creating key: Request failed since leader is unknown"}`},
		{"POST", "/dek-registry/v1/keks/k/deks", `{}`, `{"error_code":50001,"message":"Error while creating key: Request failed since leader is unknown"}`},
		{"PUT", "/dek-registry/v1/keks/k", `{}`, `{"error_code":50001,"message":"Error while updating key: Request failed since leader is unknown"}`},
		{"DELETE", "/dek-registry/v1/keks/k", "", `{"error_code":50001,"message":"Error while deleting key"}`},
		{"DELETE", "/dek-registry/v1/keks/k/deks/s/versions/1", "", `{"error_code":50001,"message":"Error while deleting key"}`},
		{"POST", "/dek-registry/v1/keks/k/deks/s/undelete", "", `{"error_code":50001,"message":"Error while undeleting key"}`},
	} {
		start := time.Now()
		if status, body := call(t, tc.method, srv.URL+tc.path, tc.body); status != 500 || body != tc.want {
			t.Errorf("%s %s without a leader: %d %s, want 500 %s", tc.method, tc.path, status, body, tc.want)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s %s without a leader answered after %v, want at once", tc.method, tc.path, took)
		}
	}
	// A leader that does not answer.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := identityOf(t, "http://"+ln.Addr().String())
	ln.Close()
	c.SetLeader(&gone)
	if status, body := call(t, "POST", srv.URL+"/subjects/s/versions", `{"schema":"\"int\""}`); status != 500 ||
		body != `{"error_code":50003,"message":"Error while forwarding register schema request to the leader"}` {
		t.Fatalf("unreachable leader: %d %s", status, body)
	}
	// The DEK registry's and the subject delete's messages, as
	// DekRegistryResource and SubjectsResource build them.
	for _, tc := range []struct{ method, path, body, want string }{
		{"POST", "/dek-registry/v1/keks", `{"name":"k","kmsType":"local-kms","kmsKeyId":"x"}`, `{"error_code":50001,"message":"Error while creating key: Unexpected error while forwarding the create key request to ` + gone.URL() + `"}`},
		{"PUT", "/dek-registry/v1/keks/k", `{}`, `{"error_code":50001,"message":"Error while updating key: Unexpected error while forwarding the put key request to ` + gone.URL() + `"}`},
		{"POST", "/dek-registry/v1/keks/k/undelete", "", `{"error_code":50001,"message":"Error while undeleting key"}`},
		{"DELETE", "/subjects/x", "", `{"error_code":50001,"message":"Error while deleting the subject x"}`},
	} {
		if status, body := call(t, tc.method, srv.URL+tc.path, tc.body); status != 500 || body != tc.want {
			t.Errorf("%s %s to an unreachable leader: %d %s, want 500 %s", tc.method, tc.path, status, body, tc.want)
		}
	}
	if status, body := call(t, "GET", srv.URL+"/v1/metadata/id", ""); status != 200 ||
		body != `{"scope":{"path":[],"clusters":{"kafka-cluster":"","schema-registry-cluster":"schema-registry"}}}` {
		t.Fatalf("/v1/metadata/id: %d %s", status, body)
	}
}

// A new leader writes only after it has read its stores to the end.
func TestClusterLeaderCatchesUp(t *testing.T) {
	store := &countingStore{hold: make(chan struct{})}
	self := election.Identity{Host: "127.0.0.1", Port: 1, LeaderEligibility: true}
	c := NewCluster(ClusterConfig{Self: self, Stores: []Syncer{store}, LeaderWait: 5 * time.Second})
	reg := New(nil)
	srv := httptest.NewServer(c.Wrap(Handler(reg)))
	defer srv.Close()
	c.SetLeader(&self)
	type answer struct {
		status int
		body   string
	}
	done := make(chan answer, 1)
	go func() {
		s, b := call(t, "POST", srv.URL+"/subjects/s/versions", `{"schema":"\"int\""}`)
		done <- answer{s, b}
	}()
	select {
	case a := <-done:
		t.Fatalf("written before the store was read: %+v", a)
	case <-time.After(200 * time.Millisecond):
	}
	if _, selfReady := c.Leader(); selfReady {
		t.Fatal("ready before the store was read")
	}
	close(store.hold)
	a := <-done
	if a.status != 200 || !strings.Contains(a.body, `"id":1`) {
		t.Fatalf("write after catching up: %+v", a)
	}
	if _, selfReady := c.Leader(); !selfReady {
		t.Fatal("not ready after catching up")
	}
}
