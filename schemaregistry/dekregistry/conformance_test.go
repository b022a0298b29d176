package dekregistry

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/csfle"
)

// The conformance tests drive the DEK registry's API through a real HTTP
// server with the answers, error codes and messages of Confluent's
// DekRegistryResource, AbstractDekRegistry and DekRegistryErrors
// (confluentinc/schema-registry, dek-registry module).

type records struct {
	mu   sync.Mutex
	list [][2]string // key, value ("" = tombstone)
}

func (j *records) Append(key, value []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.list = append(j.list, [2]string{string(key), string(value)})
	return nil
}

type api struct {
	t   *testing.T
	url string
	j   *records
}

func newAPI(t *testing.T) *api {
	j := &records{}
	reg := New(j)
	// A fixed clock: ts is answered.
	reg.now = func() time.Time { return time.UnixMilli(1000) }
	mux := http.NewServeMux()
	Routes(mux, reg)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &api{t: t, url: srv.URL + Prefix, j: j}
}

func (a *api) call(method, path, body string) (int, string) {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.url+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSuffix(string(b), "\n")
}

func (a *api) expect(method, path, body string, status int, want string) {
	a.t.Helper()
	if st, got := a.call(method, path, body); st != status || got != want {
		a.t.Errorf("%s %s = %d %s\n  want %d %s", method, path, st, got, status, want)
	}
}

func (a *api) expectCode(method, path, body string, status, code int, msg string) {
	a.t.Helper()
	st, got := a.call(method, path, body)
	var e struct {
		Code    int    `json:"error_code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal([]byte(got), &e)
	if st != status || e.Code != code || (msg != "" && e.Message != msg) {
		a.t.Errorf("%s %s = %d %s\n  want %d error_code %d %q", method, path, st, got, status, code, msg)
	}
}

// last checks the records written by the step before.
func (a *api) records(from int, want ...string) {
	a.t.Helper()
	a.j.mu.Lock()
	got := append([][2]string(nil), a.j.list[from:]...)
	a.j.mu.Unlock()
	var flat []string
	for _, r := range got {
		flat = append(flat, r[0], r[1])
	}
	if strings.Join(flat, "\n") != strings.Join(want, "\n") {
		a.t.Errorf("records:\n%s\n  want\n%s", strings.Join(flat, "\n"), strings.Join(want, "\n"))
	}
}

func (a *api) n() int {
	a.j.mu.Lock()
	defer a.j.mu.Unlock()
	return len(a.j.list)
}

const (
	kek1     = `{"name":"kek1","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{"b":"2","a":"1"},"doc":"d"}`
	kek1Ans  = `{"name":"kek1","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{"a":"1","b":"2"},"doc":"d","shared":false,"ts":1000,"deleted":false}`
	kek1Key  = `{"tenant":"default","name":"kek1","type":"KEK"}`
	kek1Rec  = `{"name":"kek1","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{"a":"1","b":"2"},"doc":"d","shared":false,"deleted":false,"type":"KEK"}`
	dek1Key  = `{"tenant":"default","kekName":"kek1","subject":"s-value","algorithm":"AES256_GCM","version":1,"type":"DEK"}`
	dek1Rec  = `{"kekName":"kek1","subject":"s-value","algorithm":"AES256_GCM","version":1,"encryptedKeyMaterial":"AAAA","deleted":false,"type":"DEK"}`
	dek1Ans  = `{"kekName":"kek1","subject":"s-value","version":1,"algorithm":"AES256_GCM","encryptedKeyMaterial":"AAAA","ts":1000,"deleted":false}`
	dek2Ans  = `{"kekName":"kek1","subject":"s-value","version":2,"algorithm":"AES256_GCM","encryptedKeyMaterial":"BBBB","ts":1000,"deleted":false}`
	invalidF = "Invalid or missing value for field '%s' of key"
)

func invalid(field string) string { return strings.Replace(invalidF, "%s", field, 1) }

func TestKEKs(t *testing.T) {
	a := newAPI(t)
	a.expectCode("POST", "", `{"name":"kek1","kmsType":"local-kms"}`, 422, 42271, invalid("kmsKeyId"))
	a.expectCode("POST", "", `{"name":"kek1","kmsKeyId":"k"}`, 422, 42271, invalid("kmsType"))
	a.expectCode("POST", "", `{"name":"1kek","kmsType":"local-kms","kmsKeyId":"k"}`, 422, 42271, invalid("name"))
	a.expectCode("POST", "", `{"name":"a.b","kmsType":"local-kms","kmsKeyId":"k"}`, 422, 42271, invalid("name"))
	// CreateKekRequest.validate: the key id's form by kmsType as sent.
	a.expectCode("POST", "", `{"name":"k","kmsType":"aws-kms","kmsKeyId":"nope"}`, 422, 42271, invalid("kmsKeyId"))
	a.expectCode("POST", "", `{"name":"k","kmsType":"gcp-kms","kmsKeyId":"nope"}`, 422, 42271, invalid("kmsKeyId"))
	// Shared KEKs need a KMS on the server: refused, saying why.
	st, got := a.call("POST", "", `{"name":"k","kmsType":"local-kms","kmsKeyId":"x","shared":true}`)
	if st != 422 || !strings.Contains(got, `"error_code":42271`) || !strings.Contains(got, "reaches no KMS") {
		t.Errorf("shared KEK: %d %s", st, got)
	}
	a.expect("GET", "", "", 200, `[]`)

	n := a.n()
	a.expect("POST", "", kek1, 200, kek1Ans)
	a.records(n, kek1Key, kek1Rec)
	a.expectCode("POST", "", kek1, 409, 40971, "Key 'kek1' already exists; use a different value")
	// kmsType is normalised: aws*, azure*, gcp* in any case.
	a.expect("POST", "", `{"name":"kek2","kmsType":"AWS","kmsKeyId":"arn:aws:kms:us-east-1:1:key/x"}`, 200,
		`{"name":"kek2","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:us-east-1:1:key/x","kmsProps":{},"shared":false,"ts":1000,"deleted":false}`)
	a.expect("GET", "", "", 200, `["kek1","kek2"]`)
	a.expect("GET", "?offset=1&limit=1", "", 200, `["kek2"]`)
	a.expect("GET", "/kek1", "", 200, kek1Ans)
	a.expectCode("GET", "/nope", "", 404, 40470, "Key 'nope' not found")

	// PUT changes kmsProps, doc, shared; absent members are kept.
	a.expect("PUT", "/kek1", `{"doc":"e"}`, 200, strings.Replace(kek1Ans, `"doc":"d"`, `"doc":"e"`, 1))
	a.expect("PUT", "/kek1", `{"kmsProps":{"c":"3"},"doc":"d"}`, 200, strings.Replace(kek1Ans, `{"a":"1","b":"2"}`, `{"c":"3"}`, 1))
	st, _ = a.call("PUT", "/kek1", `{"shared":true}`)
	if st != 422 {
		t.Errorf("PUT shared: %d", st)
	}
	a.expectCode("PUT", "/nope", `{"doc":"x"}`, 404, 40470, "Key 'nope' not found")

	// Soft delete, then permanent; a second create of the deleted KEK
	// with the same settings undeletes it, other settings are 40971.
	a.expectCode("DELETE", "/kek2?permanent=true", "", 404, 40471, "Key 'kek2' was not deleted first before being permanently deleted")
	a.expect("DELETE", "/kek2", "", 204, "")
	a.expect("GET", "", "", 200, `["kek1"]`)
	a.expect("GET", "?deleted=true", "", 200, `["kek1","kek2"]`)
	a.expectCode("GET", "/kek2", "", 404, 40470, "Key 'kek2' not found")
	a.expect("GET", "/kek2?deleted=true", "", 200, `{"name":"kek2","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:us-east-1:1:key/x","kmsProps":{},"shared":false,"ts":1000,"deleted":true}`)
	a.expectCode("PUT", "/kek2", `{"doc":"x"}`, 404, 40470, "Key 'kek2' not found")
	a.expectCode("POST", "", `{"name":"kek2","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:us-east-1:1:key/y"}`, 409, 40971, "")
	a.expect("POST", "", `{"name":"kek2","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:us-east-1:1:key/x"}`, 200,
		`{"name":"kek2","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:us-east-1:1:key/x","kmsProps":{},"shared":false,"ts":1000,"deleted":false}`)
	a.expect("DELETE", "/kek2", "", 204, "")
	a.expect("POST", "/kek2/undelete", "", 204, "")
	a.expect("GET", "/kek2", "", 200, `{"name":"kek2","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:us-east-1:1:key/x","kmsProps":{},"shared":false,"ts":1000,"deleted":false}`)
	a.expect("DELETE", "/kek2", "", 204, "")
	n = a.n()
	a.expect("DELETE", "/kek2?permanent=true", "", 204, "")
	a.records(n, `{"tenant":"default","name":"kek2","type":"KEK"}`, "")
	a.expectCode("GET", "/kek2?deleted=true", "", 404, 40470, "Key 'kek2' not found")
	a.expectCode("DELETE", "/kek2", "", 404, 40470, "Key 'kek2' not found")
	a.expectCode("POST", "/kek2/undelete", "", 404, 40470, "Key 'kek2' not found")
}

func TestDEKs(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "", kek1, 200, kek1Ans)
	a.expectCode("POST", "/nope/deks", `{"subject":"s-value","encryptedKeyMaterial":"AAAA"}`, 404, 40470, "Key 'nope' not found")
	// The server generates no key material: the client's is required.
	a.expectCode("POST", "/kek1/deks", `{"subject":"s-value"}`, 422, 42271, invalid("encryptedKeyMaterial"))
	a.expectCode("POST", "/kek1/deks", `{"encryptedKeyMaterial":"AAAA"}`, 422, 42271, invalid("subject"))
	n := a.n()
	a.expect("POST", "/kek1/deks", `{"subject":"s-value","encryptedKeyMaterial":"AAAA"}`, 200, dek1Ans)
	a.records(n, dek1Key, dek1Rec)
	a.expectCode("POST", "/kek1/deks/s-value", `{"encryptedKeyMaterial":"AAAA"}`, 409, 40971, "Key 's-value' already exists; use a different value")
	// rewrap replaces the encrypted material of an existing version.
	a.expect("POST", "/kek1/deks/s-value?rewrap=true", `{"encryptedKeyMaterial":"AAAB"}`, 200, strings.Replace(dek1Ans, "AAAA", "AAAB", 1))
	a.expect("POST", "/kek1/deks/s-value?rewrap=true", `{"encryptedKeyMaterial":"AAAA"}`, 200, dek1Ans)
	// The path's subject wins over the body's.
	a.expect("POST", "/kek1/deks/s-value", `{"subject":"other","version":2,"encryptedKeyMaterial":"BBBB"}`, 200, dek2Ans)
	a.expect("POST", "/kek1/deks/t-value", `{"algorithm":"AES256_SIV","encryptedKeyMaterial":"CCCC"}`, 200,
		`{"kekName":"kek1","subject":"t-value","version":1,"algorithm":"AES256_SIV","encryptedKeyMaterial":"CCCC","ts":1000,"deleted":false}`)

	a.expect("GET", "/kek1/deks", "", 200, `["s-value","t-value"]`)
	a.expect("GET", "/kek1/deks?offset=1", "", 200, `["t-value"]`)
	a.expectCode("GET", "/nope/deks", "", 404, 40470, "Key 'nope' not found")
	// Confluent's route without a version answers version 1.
	a.expect("GET", "/kek1/deks/s-value", "", 200, dek1Ans)
	a.expect("GET", "/kek1/deks/s-value/versions", "", 200, `[1,2]`)
	a.expect("GET", "/kek1/deks/s-value/versions/latest", "", 200, dek2Ans)
	a.expect("GET", "/kek1/deks/s-value/versions/2", "", 200, dek2Ans)
	a.expectCode("GET", "/kek1/deks/s-value/versions/3", "", 404, 40470, "Key 's-value' not found")
	a.expectCode("GET", "/kek1/deks/s-value/versions/0", "", 422, 42202, "")
	// Algorithms are kept apart (AES256_GCM when not given).
	a.expectCode("GET", "/kek1/deks/t-value", "", 404, 40470, "Key 't-value' not found")
	a.expect("GET", "/kek1/deks/t-value/versions?algorithm=AES256_SIV", "", 200, `[1]`)
	a.expect("GET", "/kek1/deks/t-value/versions", "", 200, `[]`)
	// KEK names by the subjects of their DEKs.
	a.expect("GET", "?subjectPrefix=s-", "", 200, `["kek1"]`)
	a.expect("GET", "?subjectPrefix=x&subjectPrefix=t", "", 200, `["kek1"]`)
	a.expect("GET", "?subjectPrefix=x", "", 200, `[]`)

	// A KEK with DEKs cannot be deleted.
	a.expectCode("DELETE", "/kek1", "", 422, 42272, "One or more references exist to the key 'kek1'")
	// Versions: soft, then permanent.
	a.expectCode("DELETE", "/kek1/deks/s-value/versions/2?permanent=true", "", 404, 40471, "Key 's-value' was not deleted first before being permanently deleted")
	n = a.n()
	a.expect("DELETE", "/kek1/deks/s-value/versions/2", "", 204, "")
	a.records(n, `{"tenant":"default","kekName":"kek1","subject":"s-value","algorithm":"AES256_GCM","version":2,"type":"DEK"}`,
		`{"kekName":"kek1","subject":"s-value","algorithm":"AES256_GCM","version":2,"encryptedKeyMaterial":"BBBB","deleted":true,"type":"DEK"}`)
	a.expect("GET", "/kek1/deks/s-value/versions", "", 200, `[1]`)
	a.expect("GET", "/kek1/deks/s-value/versions?deleted=true", "", 200, `[1,2]`)
	a.expect("GET", "/kek1/deks/s-value/versions/latest", "", 200, dek1Ans)
	a.expectCode("GET", "/kek1/deks/s-value/versions/2", "", 404, 40470, "Key 's-value' not found")
	a.expect("GET", "/kek1/deks/s-value/versions/2?deleted=true", "", 200, strings.Replace(dek2Ans, `"deleted":false`, `"deleted":true`, 1))
	a.expect("POST", "/kek1/deks/s-value/versions/2/undelete", "", 204, "")
	a.expect("GET", "/kek1/deks/s-value/versions", "", 200, `[1,2]`)
	// "latest" must exist, then changes nothing (Confluent deletes version -1).
	n = a.n()
	a.expect("DELETE", "/kek1/deks/s-value/versions/latest", "", 204, "")
	a.records(n)
	a.expectCode("DELETE", "/kek1/deks/nope/versions/latest", "", 404, 40470, "Key 'nope' not found")

	// A whole subject.
	a.expect("DELETE", "/kek1/deks/s-value", "", 204, "")
	a.expect("DELETE", "/kek1/deks/t-value?algorithm=AES256_SIV", "", 204, "")
	a.expect("GET", "/kek1/deks", "", 200, `[]`)
	a.expect("GET", "/kek1/deks?deleted=true", "", 200, `["s-value","t-value"]`)
	a.expectCode("DELETE", "/kek1/deks/nope", "", 404, 40470, "Key 'nope' not found")
	// Soft-deleted DEKs no longer hold the KEK back from a soft delete,
	// but do from a permanent one.
	a.expect("DELETE", "/kek1", "", 204, "")
	a.expectCode("DELETE", "/kek1?permanent=true", "", 422, 42272, "One or more references exist to the key 'kek1'")
	a.expectCode("POST", "/kek1/deks/s-value/undelete", "", 404, 40472, "Key 'kek1' must be undeleted first")
	a.expectCode("GET", "/kek1/deks", "", 404, 40470, "Key 'kek1' not found")
	a.expect("GET", "/kek1/deks?deleted=true", "", 200, `["s-value","t-value"]`)
	a.expect("POST", "/kek1/undelete", "", 204, "")
	a.expect("POST", "/kek1/deks/s-value/undelete", "", 204, "")
	a.expect("GET", "/kek1/deks/s-value/versions", "", 200, `[1,2]`)

	// Permanent deletes write tombstones.
	a.expect("DELETE", "/kek1/deks/s-value", "", 204, "")
	n = a.n()
	a.expect("DELETE", "/kek1/deks/s-value?permanent=true", "", 204, "")
	a.records(n, dek1Key, "", `{"tenant":"default","kekName":"kek1","subject":"s-value","algorithm":"AES256_GCM","version":2,"type":"DEK"}`, "")
	a.expect("GET", "/kek1/deks?deleted=true", "", 200, `["t-value"]`)

	// The records replay into the same state.
	b := New(nil)
	a.j.mu.Lock()
	for _, r := range a.j.list {
		var v []byte
		if r[1] != "" {
			v = []byte(r[1])
		}
		b.Replay([]byte(r[0]), v)
	}
	a.j.mu.Unlock()
	if names := b.KEKNames(nil, true); len(names) != 1 || names[0] != "kek1" {
		t.Errorf("replayed KEKs %v", names)
	}
	if d, err := b.GetDEK("kek1", "t-value", -1, "AES256_SIV", true); err != nil || !d.Deleted || d.EncryptedKeyMaterial != "CCCC" {
		t.Errorf("replayed DEK %+v %v", d, err)
	}
	if _, err := b.GetDEK("kek1", "s-value", 1, "", true); err == nil {
		t.Errorf("replayed: a permanently deleted DEK is back")
	}
	// ts comes from the records' Kafka timestamps.
	b.ReplayAt([]byte(kek1Key), []byte(kek1Rec), time.UnixMilli(77))
	if k, err := b.GetKEK("kek1", false); err != nil || k.TS != 77 {
		t.Errorf("replayed ts: %+v %v", k, err)
	}
}

// TestSharedLocalKMS: given local-kms's secret (as a Confluent server
// with `secret`/LOCAL_SECRET), shared local-kms KEKs work: the server
// makes a DEK's key material (Tink's serialized AesGcmKey), encrypts it
// with local-kms, stores only the encrypted form and answers both; other
// KMSs stay refused. The local-kms vector was written by Confluent's
// Python LocalKmsClient with the secret "mysecret".
func TestSharedLocalKMS(t *testing.T) {
	k, err := csfle.NewLocalKMS("mysecret")
	if err != nil {
		t.Fatal(err)
	}
	ct, _ := base64.StdEncoding.DecodeString("rUfH7/rCRKesIpNuSakKRWUcR6HwftSRJdlVeqNl05YSU+Lk5nydHhs=")
	if plain, err := k.Decrypt(ct); err != nil || string(plain) != "goconnect dek" {
		t.Fatalf("local-kms vector: %q %v", plain, err)
	}

	j := &records{}
	reg := New(j)
	reg.now = func() time.Time { return time.UnixMilli(1000) }
	if err := reg.SetLocalSecret("mysecret"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	Routes(mux, reg)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	a := &api{t: t, url: srv.URL + Prefix, j: j}
	if st, _ := a.call("POST", "", `{"name":"aws","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:x","shared":true}`); st != 422 {
		t.Errorf("shared aws-kms KEK: %d, want 422", st)
	}
	a.expect("POST", "", `{"name":"k","kmsType":"local-kms","kmsKeyId":"mykey","shared":true}`, 200,
		`{"name":"k","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{},"shared":true,"ts":1000,"deleted":false}`)
	n := a.n()
	st, got := a.call("POST", "/k/deks/s", `{}`)
	var d DEK
	if err := json.Unmarshal([]byte(got), &d); st != 200 || err != nil {
		t.Fatalf("DEK under a shared KEK: %d %s", st, got)
	}
	raw, _ := base64.StdEncoding.DecodeString(d.KeyMaterial)
	enc, _ := base64.StdEncoding.DecodeString(d.EncryptedKeyMaterial)
	if len(raw) != 34 || raw[0] != 0x1a || raw[1] != 0x20 {
		t.Errorf("key material %x, want a serialized 32-byte AesGcmKey", raw)
	}
	if plain, err := k.Decrypt(enc); err != nil || string(plain) != string(raw) {
		t.Errorf("encrypted key material does not decrypt to the key material: %v", err)
	}
	a.j.mu.Lock()
	rec := a.j.list[n][1]
	a.j.mu.Unlock()
	if strings.Contains(rec, "keyMaterial\"") || !strings.Contains(rec, `"encryptedKeyMaterial":"`+d.EncryptedKeyMaterial+`"`) {
		t.Errorf("record %s: want the encrypted key material only", rec)
	}
	a.expect("GET", "/k/deks/s", "", 200, got)
	// rewrap encrypts the same key material again.
	st, again := a.call("POST", "/k/deks/s?rewrap=true", `{}`)
	var d2 DEK
	_ = json.Unmarshal([]byte(again), &d2)
	if st != 200 || d2.KeyMaterial != d.KeyMaterial || d2.EncryptedKeyMaterial == d.EncryptedKeyMaterial {
		t.Errorf("rewrap: %d %s", st, again)
	}
	a.expectCode("POST", "/k/deks/s", `{"encryptedKeyMaterial":"AAAA"}`, 409, 40971, "Key 's' already exists; use a different value")
	// AES256_SIV: a serialized 64-byte AesSivKey.
	st, got = a.call("POST", "/k/deks/s", `{"algorithm":"AES256_SIV"}`)
	_ = json.Unmarshal([]byte(got), &d)
	raw, _ = base64.StdEncoding.DecodeString(d.KeyMaterial)
	if st != 200 || len(raw) != 66 || raw[0] != 0x12 || raw[1] != 0x40 {
		t.Errorf("AES256_SIV DEK: %d %s", st, got)
	}
	// Without the secret, the same records cannot be decrypted: 50070.
	b := New(nil)
	a.j.mu.Lock()
	for _, r := range a.j.list {
		b.Replay([]byte(r[0]), []byte(r[1]))
	}
	a.j.mu.Unlock()
	if _, err := b.GetDEK("k", "s", 1, "", false); err == nil || !strings.Contains(err.Error(), "Could not generate raw dek for s") {
		t.Errorf("without the secret: %v", err)
	}
}

// TestKEKTestAndSharing: Confluent's POST /keks/{name}/test (testKek: a
// shared live KEK generates a test DEK and answers the stored
// KeyEncryptionKey; not shared is 42271 field "shared"; unknown 40470)
// and ?testSharing=true of POST /keks and PUT /keks/{name} (a shared KEK
// tested before it is kept: local-kms works with the secret, other KMSs
// keep goconnect's 42271 refusal).
func TestKEKTestAndSharing(t *testing.T) {
	a := newAPI(t)
	a.expect("POST", "", kek1, 200, kek1Ans)
	a.expectCode("POST", "/kek1/test", "", 422, 42271, invalid("shared"))
	a.expectCode("POST", "/nope/test", "", 404, 40470, "Key 'nope' not found")
	a.expectCode("POST", "/1bad/test", "", 422, 42271, invalid("name"))
	// No secret: a shared local-kms KEK cannot be tested or kept.
	a.expectCode("POST", "?testSharing=true", `{"name":"k","kmsType":"local-kms","kmsKeyId":"mykey","shared":true}`, 422, 42271, "")
	a.expectCode("PUT", "/kek1?testSharing=true", `{"shared":true}`, 422, 42271, "")
	// testSharing leaves a KEK that is not shared alone.
	a.expect("PUT", "/kek1?testSharing=true", `{"doc":"e"}`, 200, strings.Replace(kek1Ans, `"doc":"d"`, `"doc":"e"`, 1))

	j := &records{}
	reg := New(j)
	reg.now = func() time.Time { return time.UnixMilli(1000) }
	if err := reg.SetLocalSecret("mysecret"); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	Routes(mux, reg)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b := &api{t: t, url: srv.URL + Prefix, j: j}
	b.expect("POST", "?testSharing=true", `{"name":"k","kmsType":"local-kms","kmsKeyId":"mykey","shared":true}`, 200,
		`{"name":"k","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{},"shared":true,"ts":1000,"deleted":false}`)
	b.expectCode("POST", "?testSharing=true", `{"name":"aws","kmsType":"aws-kms","kmsKeyId":"arn:aws:kms:x","shared":true}`, 422, 42271, "")
	// The answer is the KeyEncryptionKey as stored: record members, type, ts.
	n := b.n()
	b.expect("POST", "/k/test", "", 200,
		`{"name":"k","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{},"shared":true,"deleted":false,"type":"KEK","ts":1000}`)
	b.records(n) // a test writes nothing
	b.expect("POST", "", `{"name":"p","kmsType":"local-kms","kmsKeyId":"mykey"}`, 200,
		`{"name":"p","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{},"shared":false,"ts":1000,"deleted":false}`)
	b.expect("PUT", "/p?testSharing=true", `{"shared":true}`, 200,
		`{"name":"p","kmsType":"local-kms","kmsKeyId":"mykey","kmsProps":{},"shared":true,"ts":1000,"deleted":false}`)
	// A soft-deleted KEK is not found by the test.
	b.expect("DELETE", "/p", "", 204, "")
	b.expectCode("POST", "/p/test", "", 404, 40470, "Key 'p' not found")
}

// TestMaxKeys: Confluent's dek.registry.max.keys (default 20000): a KEK or
// DEK is refused with 409/40972 "A maximum of N keys already exist" when
// more than N of its type are kept (the check is "count > max", so N+1
// exist); soft-deleted keys count, a permanent delete frees one.
func TestMaxKeys(t *testing.T) {
	if New(nil).maxKeys != 20000 {
		t.Errorf("default max keys %d", New(nil).maxKeys)
	}
	j := &records{}
	reg := New(j)
	reg.now = func() time.Time { return time.UnixMilli(1000) }
	reg.SetMaxKeys(1)
	mux := http.NewServeMux()
	Routes(mux, reg)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	a := &api{t: t, url: srv.URL + Prefix, j: j}
	kek := func(name string) string {
		return `{"name":"` + name + `","kmsType":"local-kms","kmsKeyId":"mykey"}`
	}
	for _, name := range []string{"a", "b"} {
		if st, got := a.call("POST", "", kek(name)); st != 200 {
			t.Fatalf("KEK %s: %d %s", name, st, got)
		}
	}
	a.expectCode("POST", "", kek("c"), 409, 40972, "A maximum of 1 keys already exist")
	a.expect("DELETE", "/b", "", 204, "")
	a.expectCode("POST", "", kek("c"), 409, 40972, "A maximum of 1 keys already exist")
	a.expect("DELETE", "/b?permanent=true", "", 204, "")
	if st, got := a.call("POST", "", kek("c")); st != 200 {
		t.Errorf("KEK c after a permanent delete: %d %s", st, got)
	}
	for _, v := range []string{"1", "2"} {
		if st, got := a.call("POST", "/a/deks/s", `{"version":`+v+`,"encryptedKeyMaterial":"AAAA"}`); st != 200 {
			t.Fatalf("DEK v%s: %d %s", v, st, got)
		}
	}
	a.expectCode("POST", "/a/deks/s", `{"version":3,"encryptedKeyMaterial":"AAAA"}`, 409, 40972, "A maximum of 1 keys already exist")
}
