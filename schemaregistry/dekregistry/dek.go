// Package dekregistry is Confluent's DEK registry (the key registry of
// client-side field-level encryption): KEKs and their versioned DEKs,
// served under /dek-registry/v1/keks and kept in the compacted topic
// `_dek_registry_keys` in Confluent's record format.
//
// KEKs that are not `shared` are served for any KMS: their DEKs carry key
// material the client encrypted with its own KMS. A shared KEK makes the
// server generate and decrypt DEKs with the KMS itself: goconnect does so
// for Confluent's local-kms when given its secret, and refuses shared
// KEKs of other KMSs (none is reachable here) with a clear error.
package dekregistry

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/goconnect/goconnect/internal/csfle"
)

// Topic is Confluent's default dek.registry.topic.
const Topic = "_dek_registry_keys"

// Tenant is the tenant Confluent Platform writes in every key.
const Tenant = "default"

// Algorithms are Confluent's DekFormat values, in its enum order (the
// order of keys).
var Algorithms = []string{"AES128_GCM", "AES256_GCM", "AES256_SIV"}

func algorithmRank(a string) int {
	for i, x := range Algorithms {
		if x == a {
			return i
		}
	}
	return len(Algorithms)
}

// KEK is a key encryption key as the API answers it (Confluent's Kek).
type KEK struct {
	Name     string            `json:"name"`
	KmsType  string            `json:"kmsType"`
	KmsKeyID string            `json:"kmsKeyId"`
	KmsProps map[string]string `json:"kmsProps"`
	Doc      string            `json:"doc,omitempty"`
	Shared   bool              `json:"shared"`
	TS       int64             `json:"ts,omitempty"` // the record's Kafka timestamp (ms)
	Deleted  bool              `json:"deleted"`
}

func (k *KEK) equivalent(o *KEK) bool {
	if k.Name != o.Name || k.KmsType != o.KmsType || k.KmsKeyID != o.KmsKeyID || k.Doc != o.Doc || k.Shared != o.Shared || len(k.KmsProps) != len(o.KmsProps) {
		return false
	}
	for key, v := range k.KmsProps {
		if w, ok := o.KmsProps[key]; !ok || w != v {
			return false
		}
	}
	return true
}

// DEK is a data encryption key version as the API answers it
// (Confluent's Dek; keyMaterial only exists for shared KEKs).
type DEK struct {
	KekName              string `json:"kekName"`
	Subject              string `json:"subject"`
	Version              int    `json:"version"`
	Algorithm            string `json:"algorithm"`
	EncryptedKeyMaterial string `json:"encryptedKeyMaterial,omitempty"`
	// KeyMaterial is the raw DEK (base64), answered under a shared KEK only
	// and never stored.
	KeyMaterial string `json:"keyMaterial,omitempty"`
	TS          int64  `json:"ts,omitempty"` // the record's Kafka timestamp (ms)
	Deleted     bool   `json:"deleted"`
}

func (d *DEK) less(o *DEK) bool {
	if d.KekName != o.KekName {
		return d.KekName < o.KekName
	}
	if d.Subject != o.Subject {
		return d.Subject < o.Subject
	}
	if d.Algorithm != o.Algorithm {
		return algorithmRank(d.Algorithm) < algorithmRank(o.Algorithm)
	}
	return d.Version < o.Version
}

// Error is an API error: HTTP status and Confluent error code.
type Error struct {
	Status  int
	Code    int
	Message string
}

func (e *Error) Error() string { return e.Message }

// Confluent's DekRegistryErrors.
func errNotFound(name string) *Error {
	return &Error{404, 40470, fmt.Sprintf("Key '%s' not found", name)}
}
func errNotSoftDeleted(name string) *Error {
	return &Error{404, 40471, fmt.Sprintf("Key '%s' was not deleted first before being permanently deleted", name)}
}
func errSoftDeleted(name string) *Error {
	return &Error{404, 40472, fmt.Sprintf("Key '%s' must be undeleted first", name)}
}
func errExists(name string) *Error {
	return &Error{409, 40971, fmt.Sprintf("Key '%s' already exists; use a different value", name)}
}
func errInvalid(field string) *Error {
	return &Error{422, 42271, fmt.Sprintf("Invalid or missing value for field '%s' of key", field)}
}
func errReferenced(name string) *Error {
	return &Error{422, 42272, fmt.Sprintf("One or more references exist to the key '%s'", name)}
}

// errShared refuses what needs a KMS on the server side.
func errShared(name string) *Error {
	return &Error{422, 42271, fmt.Sprintf("Invalid or missing value for field 'shared' of key: KEK '%s' cannot be shared: "+
		"goconnect's DEK registry reaches no KMS, so it cannot generate or decrypt key material (only local-kms, "+
		"when the registry is given its secret in LOCAL_SECRET); use shared=false and register DEKs with their "+
		"encryptedKeyMaterial", name)}
}

// errGeneration is Confluent's 50070 (DekGenerationException).
func errGeneration(msg string) *Error { return &Error{500, 50070, msg} }

// Journal receives the records to keep (value nil = tombstone).
type Journal interface {
	Append(key, value []byte) error
}

// TimedJournal writes records with the given timestamp (the Kafka
// journal), so a replay reads back the ts answered.
type TimedJournal interface {
	AppendAt(key, value []byte, ts time.Time) error
}

// Registry holds the KEKs and DEKs.
type Registry struct {
	mu      sync.RWMutex
	journal Journal
	keks    map[string]*KEK
	deks    map[dekID]*DEK
	local   *csfle.LocalKMS  // local-kms with the server's secret, or nil
	now     func() time.Time // the clock stamping written records
	maxKeys int              // dek.registry.max.keys, per key type
}

// MaxKeysDefault is Confluent's dek.registry.max.keys default.
const MaxKeysDefault = 20000

// SetMaxKeys sets dek.registry.max.keys: creating a KEK (or DEK) is
// refused with 40972 once more than that many are kept.
func (r *Registry) SetMaxKeys(n int) {
	r.mu.Lock()
	r.maxKeys = n
	r.mu.Unlock()
}

// tooMany is Confluent's key-count check: the keys of the type in the
// store (soft-deleted ones too, a permanent delete frees one) compared
// with ">" to the limit, so the limit plus one can be created.
func (r *Registry) tooMany(count int) error {
	if count > r.maxKeys {
		return &Error{409, 40972, fmt.Sprintf("A maximum of %d keys already exist", r.maxKeys)}
	}
	return nil
}

// testShared is Confluent's testKek for a shared KEK: a DEK (AES256_GCM)
// generated and encrypted with the KEK's KMS; goconnect also decrypts it
// back. A KMS it cannot reach is 50070, as a failed generation.
func (r *Registry) testShared(k *KEK) error {
	if !r.canShare(k) {
		return errGeneration("Could not generate dek for " + k.Name + ": no KMS for " + k.KmsType)
	}
	raw := newRawDEK("AES256_GCM")
	back, err := r.local.Decrypt(r.local.Encrypt(raw))
	if err != nil || string(back) != string(raw) {
		return errGeneration(fmt.Sprintf("Could not generate dek for %s: local-kms round trip failed: %v", k.Name, err))
	}
	return nil
}

// TestKEK answers POST /keks/{name}/test: the live KEK as Confluent's
// stored KeyEncryptionKey (its record members, then type and ts) once a
// DEK could be generated with it; a KEK that is not shared is 42271
// (field "shared").
func (r *Registry) TestKEK(name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	k := r.kek(name, false)
	if k == nil {
		return nil, errNotFound(name)
	}
	if !k.Shared {
		return nil, errInvalid("shared")
	}
	if err := r.testShared(k); err != nil {
		return nil, err
	}
	return storedKEK(k), nil
}

// TestSharing is ?testSharing=true of POST /keks and PUT /keks/{name}:
// the KEK that would be kept, if shared, is tested first. The KEK of a
// PUT is the existing one with the request's kmsProps and shared.
func (r *Registry) TestSharing(name string, kmsType *string, update *UpdateKEKRequest) error {
	r.mu.RLock()
	defer r.mu.RUnlock()
	k := &KEK{Name: name, Shared: true}
	if update != nil {
		old := r.kek(name, false)
		if old == nil {
			return errNotFound(name)
		}
		if (update.Shared == nil && !old.Shared) || (update.Shared != nil && !*update.Shared) {
			return nil
		}
		k.KmsType = old.KmsType
	} else if kmsType != nil {
		k.KmsType = normalizeKmsType(*kmsType)
	}
	if !r.canShare(k) {
		return errShared(name)
	}
	return r.testShared(k)
}

// SetLocalSecret gives the registry local-kms's secret, so shared KEKs
// of kmsType local-kms work as on a Confluent server given it.
func (r *Registry) SetLocalSecret(secret string) error {
	k, err := csfle.NewLocalKMS(secret)
	if err != nil {
		return fmt.Errorf("dek registry: local-kms: %w", err)
	}
	r.mu.Lock()
	r.local = k
	r.mu.Unlock()
	return nil
}

// canShare: a shared KEK needs the server's own KMS.
func (r *Registry) canShare(k *KEK) bool {
	return k.KmsType == LocalKMSType && r.local != nil
}

// withKeyMaterial is a DEK of a shared KEK with its raw key material
// (Confluent's maybeGenerateRawDek); others as they are.
func (r *Registry) withKeyMaterial(d *DEK) (*DEK, error) {
	k := r.keks[d.KekName]
	if k == nil || !k.Shared {
		return d, nil
	}
	if !r.canShare(k) {
		return nil, errGeneration("Could not generate raw dek for " + d.Subject + ": no KMS for " + k.KmsType)
	}
	enc, err := base64.StdEncoding.DecodeString(d.EncryptedKeyMaterial)
	if err == nil {
		var raw []byte
		if raw, err = r.local.Decrypt(enc); err == nil {
			out := *d
			out.KeyMaterial = base64.StdEncoding.EncodeToString(raw)
			return &out, nil
		}
	}
	return nil, errGeneration("Could not generate raw dek for " + d.Subject + ": " + err.Error())
}

type dekID struct {
	kek, subject, algorithm string
	version                 int
}

// New returns an empty DEK registry writing to j (nil: memory only).
func New(j Journal) *Registry {
	return &Registry{journal: j, keks: map[string]*KEK{}, deks: map[dekID]*DEK{}, now: time.Now, maxKeys: MaxKeysDefault}
}

// SetJournal sets where later changes are written (after a replay).
func (r *Registry) SetJournal(j Journal) {
	r.mu.Lock()
	r.journal = j
	r.mu.Unlock()
}

// checkName is Confluent's: a letter or '_' first, then letters, digits,
// '_' or '-', at most 256 characters.
func checkName(name string) error {
	if name == "" || len([]rune(name)) > 256 {
		return errInvalid("name")
	}
	for i, c := range name {
		ok := unicode.IsLetter(c) || c == '_' || (i > 0 && (unicode.IsDigit(c) || c == '-'))
		if !ok {
			return errInvalid("name")
		}
	}
	return nil
}

func checkSubject(s string) error {
	if s == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return errInvalid("subject")
	}
	return nil
}

// checkAlgorithm reads ?algorithm= ("" = AES256_GCM, as Confluent).
// checkDEKRef checks the KEK name, subject and algorithm naming a DEK, and
// answers the algorithm with its default applied.
func checkDEKRef(kek, subject, algorithm string) (string, error) {
	if err := checkName(kek); err != nil {
		return "", err
	}
	if err := checkSubject(subject); err != nil {
		return "", err
	}
	return checkAlgorithm(algorithm)
}

func checkAlgorithm(a string) (string, error) {
	if a == "" {
		return "AES256_GCM", nil
	}
	if algorithmRank(a) == len(Algorithms) {
		return "", &Error{404, 404, "HTTP 404 Not Found"}
	}
	return a, nil
}

// Record keys and values, in the field order Jackson writes Confluent's
// EncryptionKeyId/EncryptionKey subclasses (creator properties first, then
// the inherited "type"); values carry no offset or ts when written.
func kekKey(name string) []byte {
	b, _ := json.Marshal(struct {
		Tenant string `json:"tenant"`
		Name   string `json:"name"`
		Type   string `json:"type"`
	}{Tenant, name, "KEK"})
	return b
}

func dekKey(id dekID) []byte {
	b, _ := json.Marshal(struct {
		Tenant    string `json:"tenant"`
		KekName   string `json:"kekName"`
		Subject   string `json:"subject"`
		Algorithm string `json:"algorithm"`
		Version   int    `json:"version"`
		Type      string `json:"type"`
	}{Tenant, id.kek, id.subject, id.algorithm, id.version, "DEK"})
	return b
}

// storedKEK is the KEK as Confluent's cache holds it (KeyEncryptionKey):
// its record members, then ts. Confluent also has the record's offset,
// which goconnect does not keep.
func storedKEK(k *KEK) []byte {
	v := kekValue(k)
	if k.TS == 0 {
		return v
	}
	return append(v[:len(v)-1], fmt.Sprintf(`,"ts":%d}`, k.TS)...)
}

func kekValue(k *KEK) []byte {
	props := k.KmsProps
	if props == nil {
		props = map[string]string{}
	}
	b, _ := json.Marshal(struct {
		Name     string            `json:"name"`
		KmsType  string            `json:"kmsType"`
		KmsKeyID string            `json:"kmsKeyId"`
		KmsProps map[string]string `json:"kmsProps"`
		Doc      string            `json:"doc,omitempty"`
		Shared   bool              `json:"shared"`
		Deleted  bool              `json:"deleted"`
		Type     string            `json:"type"`
	}{k.Name, k.KmsType, k.KmsKeyID, props, k.Doc, k.Shared, k.Deleted, "KEK"})
	return b
}

func dekValue(d *DEK) []byte {
	b, _ := json.Marshal(struct {
		KekName              string `json:"kekName"`
		Subject              string `json:"subject"`
		Algorithm            string `json:"algorithm"`
		Version              int    `json:"version"`
		EncryptedKeyMaterial string `json:"encryptedKeyMaterial,omitempty"`
		Deleted              bool   `json:"deleted"`
		Type                 string `json:"type"`
	}{d.KekName, d.Subject, d.Algorithm, d.Version, d.EncryptedKeyMaterial, d.Deleted, "DEK"})
	return b
}

func (r *Registry) persist(key, value []byte) error { return r.persistAt(key, value, time.Time{}) }

func (r *Registry) persistAt(key, value []byte, ts time.Time) error {
	if r.journal == nil {
		return nil
	}
	var err error
	if tj, ok := r.journal.(TimedJournal); ok && !ts.IsZero() {
		err = tj.AppendAt(key, value, ts)
	} else {
		err = r.journal.Append(key, value)
	}
	if err != nil {
		return &Error{500, 50001, "Error while writing to the Kafka store: " + err.Error()}
	}
	return nil
}

func (r *Registry) putKEK(k *KEK) error {
	now := r.now()
	if err := r.persistAt(kekKey(k.Name), kekValue(k), now); err != nil {
		return err
	}
	k.TS = now.UnixMilli()
	r.keks[k.Name] = k
	return nil
}

func (r *Registry) putDEK(d *DEK) error {
	id := dekID{d.KekName, d.Subject, d.Algorithm, d.Version}
	now := r.now()
	if err := r.persistAt(dekKey(id), dekValue(d), now); err != nil {
		return err
	}
	d.TS = now.UnixMilli()
	r.deks[id] = d
	return nil
}

// Replay applies one record of the topic (other tenants' are kept apart
// by Confluent; goconnect reads the default tenant's and skips others).
func (r *Registry) Replay(key, value []byte) { r.ReplayAt(key, value, time.Time{}) }

// ReplayAt is Replay of a record with its Kafka timestamp (the key's ts).
func (r *Registry) ReplayAt(key, value []byte, ts time.Time) { r.ReplayGuarded(key, value, ts, nil) }

// ReplayGuarded is ReplayAt that first asks skip, under the registry's
// lock: a record this instance wrote (and applied) itself is skipped
// when the journal reads it back, and the writer holds the lock from
// before the write, so skip sees what the writer noted.
func (r *Registry) ReplayGuarded(key, value []byte, ts time.Time, skip func() bool) {
	var stamp int64
	if !ts.IsZero() {
		stamp = ts.UnixMilli()
	}
	var k struct {
		Tenant    string `json:"tenant"`
		Type      string `json:"type"`
		Name      string `json:"name"`
		KekName   string `json:"kekName"`
		Subject   string `json:"subject"`
		Algorithm string `json:"algorithm"`
		Version   int    `json:"version"`
	}
	if json.Unmarshal(key, &k) != nil || (k.Tenant != "" && k.Tenant != Tenant) {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if skip != nil && skip() {
		return
	}
	switch k.Type {
	case "KEK":
		if value == nil {
			delete(r.keks, k.Name)
			return
		}
		var v KEK
		if json.Unmarshal(value, &v) == nil {
			v.TS = stamp
			r.keks[k.Name] = &v
		}
	case "DEK":
		id := dekID{k.KekName, k.Subject, k.Algorithm, k.Version}
		if value == nil {
			delete(r.deks, id)
			return
		}
		var v DEK
		if json.Unmarshal(value, &v) == nil {
			v.TS, v.KeyMaterial = stamp, ""
			r.deks[id] = &v
		}
	}
}

// kek is a KEK, deleted ones only when asked.
func (r *Registry) kek(name string, deleted bool) *KEK {
	k := r.keks[name]
	if k == nil || (k.Deleted && !deleted) {
		return nil
	}
	return k
}

// deksOf lists DEKs in key order, filtered by KEK ("" = all), subject and
// algorithm ("" = any) and deletion.
func (r *Registry) deksOf(kek, subject, algorithm string, deleted bool) []*DEK {
	var out []*DEK
	for id, d := range r.deks {
		if (kek != "" && id.kek != kek) || (subject != "" && id.subject != subject) || (algorithm != "" && id.algorithm != algorithm) || (d.Deleted && !deleted) {
			continue
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].less(out[j]) })
	return out
}

// KEKNames lists KEK names; with subject prefixes, those of the DEKs whose
// subject starts with one of them.
func (r *Registry) KEKNames(prefixes []string, deleted bool) []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := []string{}
	if len(prefixes) == 0 {
		for name, k := range r.keks {
			if !k.Deleted || deleted {
				out = append(out, name)
			}
		}
		sort.Strings(out)
		return out
	}
	seen := map[string]bool{}
	for _, d := range r.deksOf("", "", "", deleted) {
		for _, p := range prefixes {
			if strings.HasPrefix(d.Subject, p) && !seen[d.KekName] {
				seen[d.KekName] = true
				out = append(out, d.KekName)
			}
		}
	}
	sort.Strings(out)
	return out
}

// GetKEK answers GET /keks/{name}.
func (r *Registry) GetKEK(name string, deleted bool) (*KEK, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if k := r.kek(name, deleted); k != nil {
		return k, nil
	}
	return nil, errNotFound(name)
}

// CreateKEKRequest is Confluent's CreateKekRequest.
type CreateKEKRequest struct {
	Name     string            `json:"name"`
	KmsType  *string           `json:"kmsType"`
	KmsKeyID string            `json:"kmsKeyId"`
	KmsProps map[string]string `json:"kmsProps"`
	Doc      string            `json:"doc"`
	Shared   bool              `json:"shared"`
	Deleted  bool              `json:"deleted"`
}

// kmsKeyIDPrefixes is CreateKekRequest.validate's minimal check, by the
// kmsType as sent.
var kmsKeyIDPrefixes = map[string][]string{
	"aws-kms":   {"arn:aws:kms:"},
	"azure-kms": {"https://"},
	"gcp-kms":   {"projects/"},
	"hcvault":   {"https://", "http://"},
}

// normalizeKmsType is Confluent's: aws*, azure*, gcp* (any case) become
// aws-kms, azure-kms, gcp-kms; others are kept as sent.
func normalizeKmsType(t string) string {
	l := strings.ToLower(t)
	for _, p := range []string{"aws", "azure", "gcp"} {
		if strings.HasPrefix(l, p) {
			return p + "-kms"
		}
	}
	return t
}

// CreateKEK answers POST /keks. Creating a soft-deleted KEK again with the
// same settings and deleted=false undeletes it, as in Confluent.
func (r *Registry) CreateKEK(req CreateKEKRequest) (*KEK, error) {
	return r.CreateKEKTesting(req, false)
}

// CreateKEKTesting is CreateKEK with ?testSharing: a shared KEK is tested
// (TestSharing) after the request's checks, before it is kept.
func (r *Registry) CreateKEKTesting(req CreateKEKRequest, testSharing bool) (*KEK, error) {
	if err := checkName(req.Name); err != nil {
		return nil, err
	}
	if req.KmsKeyID == "" {
		return nil, errInvalid("kmsKeyId")
	}
	if req.KmsType == nil {
		return nil, errInvalid("kmsType")
	}
	if ps, ok := kmsKeyIDPrefixes[*req.KmsType]; ok {
		valid := false
		for _, p := range ps {
			valid = valid || strings.HasPrefix(req.KmsKeyID, p)
		}
		if !valid {
			return nil, errInvalid("kmsKeyId")
		}
	}
	props := map[string]string{}
	for k, v := range req.KmsProps {
		props[k] = v
	}
	k := &KEK{Name: req.Name, KmsType: normalizeKmsType(*req.KmsType), KmsKeyID: req.KmsKeyID, KmsProps: props,
		Doc: req.Doc, Shared: req.Shared, Deleted: req.Deleted}
	if testSharing && req.Shared {
		if err := r.TestSharing(req.Name, req.KmsType, nil); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.tooMany(len(r.keks)); err != nil {
		return nil, err
	}
	if k.Shared && !r.canShare(k) {
		return nil, errShared(req.Name)
	}
	if old := r.keks[req.Name]; old != nil && (old.Deleted == req.Deleted || !old.equivalent(k)) {
		return nil, errExists(req.Name)
	}
	if err := r.putKEK(k); err != nil {
		return nil, err
	}
	return k, nil
}

// UpdateKEKRequest is Confluent's UpdateKekRequest: an absent member keeps
// the KEK's value; kmsProps null clears them.
type UpdateKEKRequest struct {
	KmsProps json.RawMessage `json:"kmsProps"`
	Doc      *string         `json:"doc"`
	Shared   *bool           `json:"shared"`
}

// UpdateKEK answers PUT /keks/{name}.
func (r *Registry) UpdateKEK(name string, req UpdateKEKRequest) (*KEK, error) {
	return r.UpdateKEKTesting(name, req, false)
}

// UpdateKEKTesting is UpdateKEK with ?testSharing (see TestSharing).
func (r *Registry) UpdateKEKTesting(name string, req UpdateKEKRequest, testSharing bool) (*KEK, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	if testSharing {
		if err := r.TestSharing(name, nil, &req); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.kek(name, false)
	if old == nil {
		return nil, errNotFound(name)
	}
	n := *old
	if req.KmsProps != nil {
		n.KmsProps = map[string]string{}
		if string(req.KmsProps) != "null" {
			if err := json.Unmarshal(req.KmsProps, &n.KmsProps); err != nil {
				return nil, &Error{400, 400, "Unrecognized request body: " + err.Error()}
			}
		}
	}
	if req.Doc != nil {
		n.Doc = *req.Doc
	}
	if req.Shared != nil {
		n.Shared = *req.Shared
	}
	if n.Shared && !r.canShare(&n) {
		return nil, errShared(name)
	}
	if n.equivalent(old) {
		return old, nil
	}
	if err := r.putKEK(&n); err != nil {
		return nil, err
	}
	return &n, nil
}

// DeleteKEK answers DELETE /keks/{name}: soft first, then permanent; a
// KEK with DEKs (live ones for a soft delete, any for a permanent one) is
// 42272.
func (r *Registry) DeleteKEK(name string, permanent bool) error {
	if err := checkName(name); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.kek(name, true)
	if old == nil {
		return errNotFound(name)
	}
	if len(r.deksOf(name, "", "", permanent)) > 0 {
		return errReferenced(name)
	}
	if permanent {
		if !old.Deleted {
			return errNotSoftDeleted(name)
		}
		if err := r.persist(kekKey(name), nil); err != nil {
			return err
		}
		delete(r.keks, name)
		return nil
	}
	if old.Deleted {
		return nil
	}
	n := *old
	n.Deleted = true
	return r.putKEK(&n)
}

// UndeleteKEK answers POST /keks/{name}/undelete.
func (r *Registry) UndeleteKEK(name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.kek(name, true)
	if old == nil {
		return errNotFound(name)
	}
	if !old.Deleted {
		return nil
	}
	n := *old
	n.Deleted = false
	return r.putKEK(&n)
}

// DEKSubjects answers GET /keks/{name}/deks.
func (r *Registry) DEKSubjects(kek string, deleted bool) ([]string, error) {
	if err := checkName(kek); err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.kek(kek, deleted) == nil {
		return nil, errNotFound(kek)
	}
	out := []string{}
	for _, d := range r.deksOf(kek, "", "", deleted) {
		if len(out) == 0 || out[len(out)-1] != d.Subject {
			out = append(out, d.Subject)
		}
	}
	return out, nil
}

// DEKVersions answers GET /keks/{name}/deks/{subject}/versions.
func (r *Registry) DEKVersions(kek, subject, algorithm string, deleted bool) ([]int, error) {
	algorithm, err := checkDEKRef(kek, subject, algorithm)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.kek(kek, deleted) == nil {
		return nil, errNotFound(kek)
	}
	out := []int{}
	for _, d := range r.deksOf(kek, subject, algorithm, deleted) {
		out = append(out, d.Version)
	}
	return out, nil
}

// GetDEK answers GET /keks/{name}/deks/{subject}[/versions/{v}]: version
// -1 is the latest; Confluent's route without a version answers
// version 1.
func (r *Registry) GetDEK(kek, subject string, version int, algorithm string, deleted bool) (*DEK, error) {
	algorithm, err := checkDEKRef(kek, subject, algorithm)
	if err != nil {
		return nil, err
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.kek(kek, deleted) == nil {
		return nil, errNotFound(kek)
	}
	if version == -1 {
		if all := r.deksOf(kek, subject, algorithm, deleted); len(all) > 0 {
			return r.withKeyMaterial(all[len(all)-1])
		}
		return nil, errNotFound(subject)
	}
	d := r.deks[dekID{kek, subject, algorithm, version}]
	if d == nil || (d.Deleted && !deleted) {
		return nil, errNotFound(subject)
	}
	return r.withKeyMaterial(d)
}

// CreateDEKRequest is Confluent's CreateDekRequest.
type CreateDEKRequest struct {
	Subject              string `json:"subject"`
	Version              *int   `json:"version"`
	Algorithm            string `json:"algorithm"`
	EncryptedKeyMaterial string `json:"encryptedKeyMaterial"`
	Deleted              bool   `json:"deleted"`
}

// CreateDEK answers POST /keks/{name}/deks[/{subject}] (rewrap replaces
// an existing version's encrypted material). The KEK must exist (a
// soft-deleted one only for a deleted DEK); the client's encrypted key
// material is required, the server generating none.
func (r *Registry) CreateDEK(kek string, rewrap bool, req CreateDEKRequest) (*DEK, error) {
	if err := checkName(kek); err != nil {
		return nil, err
	}
	if err := checkSubject(req.Subject); err != nil {
		return nil, err
	}
	algorithm, err := checkAlgorithm(req.Algorithm)
	if err != nil {
		return nil, errInvalid("algorithm")
	}
	version := 1
	if req.Version != nil {
		version = *req.Version
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.tooMany(len(r.deks)); err != nil {
		return nil, err
	}
	k := r.kek(kek, req.Deleted)
	if k == nil {
		return nil, errNotFound(kek)
	}
	d := &DEK{KekName: kek, Subject: req.Subject, Version: version, Algorithm: algorithm,
		EncryptedKeyMaterial: req.EncryptedKeyMaterial, Deleted: req.Deleted}
	old := r.deks[dekID{kek, req.Subject, algorithm, version}]
	if !rewrap && old != nil && (old.Deleted == req.Deleted || !old.equivalent(d)) {
		return nil, errExists(req.Subject)
	}
	switch {
	case d.EncryptedKeyMaterial != "":
		if k.Shared && old != nil {
			return nil, errExists(req.Subject)
		}
	case k.Shared:
		// As Confluent's createDek: the server makes the key material
		// (keeping an existing version's on rewrap) and encrypts it with
		// the KEK.
		if !r.canShare(k) {
			return nil, errShared(kek)
		}
		raw := newRawDEK(algorithm)
		if old != nil {
			withRaw, err := r.withKeyMaterial(old)
			if err != nil {
				return nil, err
			}
			if raw, err = base64.StdEncoding.DecodeString(withRaw.KeyMaterial); err != nil {
				return nil, errGeneration("Could not generate encrypted dek for " + req.Subject + ": " + err.Error())
			}
		}
		d.EncryptedKeyMaterial = base64.StdEncoding.EncodeToString(r.local.Encrypt(raw))
	default:
		return nil, errInvalid("encryptedKeyMaterial")
	}
	if err := r.putDEK(d); err != nil {
		return nil, err
	}
	return r.withKeyMaterial(d)
}

func (d *DEK) equivalent(o *DEK) bool {
	return d.KekName == o.KekName && d.Subject == o.Subject && d.Algorithm == o.Algorithm &&
		d.Version == o.Version && d.EncryptedKeyMaterial == o.EncryptedKeyMaterial
}

// DeleteDEK answers DELETE /keks/{name}/deks/{subject}[/versions/{v}]
// (version 0 = every version, -1 = latest): soft first, then permanent.
func (r *Registry) DeleteDEK(kek, subject string, version int, algorithm string, permanent bool) error {
	algorithm, err := checkDEKRef(kek, subject, algorithm)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kek(kek, true) == nil {
		return errNotFound(kek)
	}
	var targets []*DEK
	switch version {
	case 0:
		if len(r.deksOf(kek, subject, algorithm, true)) == 0 {
			return errNotFound(subject)
		}
		targets = r.deksOf(kek, subject, algorithm, permanent)
	case -1:
		// As Confluent: "latest" must exist, then names no stored version,
		// so nothing changes.
		if len(r.deksOf(kek, subject, algorithm, true)) == 0 {
			return errNotFound(subject)
		}
	default:
		d := r.deks[dekID{kek, subject, algorithm, version}]
		if d == nil {
			return errNotFound(subject)
		}
		targets = []*DEK{d}
	}
	if permanent {
		for _, d := range targets {
			if !d.Deleted {
				return errNotSoftDeleted(subject)
			}
		}
		for _, d := range targets {
			id := dekID{d.KekName, d.Subject, d.Algorithm, d.Version}
			if err := r.persist(dekKey(id), nil); err != nil {
				return err
			}
			delete(r.deks, id)
		}
		return nil
	}
	for _, d := range targets {
		if !d.Deleted {
			n := *d
			n.Deleted = true
			if err := r.putDEK(&n); err != nil {
				return err
			}
		}
	}
	return nil
}

// UndeleteDEK answers POST /keks/{name}/deks/{subject}[/versions/{v}]/undelete
// (version 0 = every version); the KEK must not be soft-deleted (40472).
func (r *Registry) UndeleteDEK(kek, subject string, version int, algorithm string) error {
	algorithm, err := checkDEKRef(kek, subject, algorithm)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := r.kek(kek, true)
	if k == nil {
		return errNotFound(kek)
	}
	var targets []*DEK
	switch version {
	case 0, -1:
		targets = r.deksOf(kek, subject, algorithm, true)
	default:
		if d := r.deks[dekID{kek, subject, algorithm, version}]; d != nil {
			targets = []*DEK{d}
		}
	}
	if len(targets) == 0 {
		return errNotFound(subject)
	}
	if k.Deleted {
		return errSoftDeleted(kek)
	}
	if version == -1 {
		// As Confluent: "latest" names no stored version; nothing changes.
		return nil
	}
	for _, d := range targets {
		if d.Deleted {
			n := *d
			n.Deleted = false
			if err := r.putDEK(&n); err != nil {
				return err
			}
		}
	}
	return nil
}
