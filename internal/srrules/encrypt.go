package srrules

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/csfle"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/twmb/franz-go/pkg/sr"
)

// Rule parameters of Confluent's EncryptionExecutor.
const (
	paramKekName    = "encrypt.kek.name"
	paramKmsType    = "encrypt.kms.type"
	paramKmsKeyID   = "encrypt.kms.key.id"
	paramAlgorithm  = "encrypt.dek.algorithm"
	paramExpiryDays = "encrypt.dek.expiry.days"
	// TypeEncrypt is Confluent's FieldEncryptionExecutor, TypeEncryptPayload
	// its EncryptionExecutor (the whole payload).
	TypeEncrypt        = "ENCRYPT"
	TypeEncryptPayload = "ENCRYPT_PAYLOAD"
	// secretKey is LocalKmsDriver's setting, localSecretEnv its fallback.
	secretKey      = "secret"
	localSecretEnv = "LOCAL_SECRET"
	millisInDay    = 24 * 60 * 60 * 1000
	// requestTimeout bounds each DEK registry call.
	requestTimeout = 30 * time.Second
)

// DEKRegistry is the DEK registry the ENCRYPT rule reads and fills
// (srclient.Client, served beside the schema registry).
type DEKRegistry interface {
	KEK(ctx context.Context, name string, deleted bool) (*srclient.KEK, error)
	CreateKEK(ctx context.Context, name, kmsType, kmsKeyID string, shared bool) (*srclient.KEK, error)
	DEK(ctx context.Context, kek, subject string, version int, algorithm string, deleted bool) (*srclient.DEK, error)
	CreateDEK(ctx context.Context, kek, subject string, version int, algorithm, encrypted string) (*srclient.DEK, error)
}

// crypt is an engine's encryption state: the DEK registry, the executor
// settings and the KEKs and DEKs already read (Confluent's cached DEK
// registry client keeps them for the client's life too).
type crypt struct {
	reg    DEKRegistry
	getenv func(string) string
	now    func() time.Time

	mu   sync.Mutex
	keks map[kekKey]*srclient.KEK
	deks map[dekKey]*dekEntry
}

type kekKey struct {
	name    string
	deleted bool
}

type dekKey struct {
	kek, subject, algorithm string
	version                 int
	deleted                 bool
}

// dekEntry is a DEK with its cipher.
type dekEntry struct {
	version int
	ts      int64
	cipher  *csfle.Cipher
}

// SetDEKRegistry gives the engine the DEK registry ENCRYPT rules use;
// without one they fail naming the missing registry.
func (e *Engine) SetDEKRegistry(reg DEKRegistry) {
	e.crypt = &crypt{reg: reg, getenv: e.getenv, now: time.Now, keks: map[kekKey]*srclient.KEK{}, deks: map[dekKey]*dekEntry{}}
}

// executorConfig is what Confluent hands an executor of type typ loaded
// by the service loader (configureRuleObject): the serde's settings, then
// rule.executors._default_.param.*, then rule.executors._<TYPE>_.param.*.
// Computed once per type: the settings do not change.
func (e *Engine) executorConfig(typ string) map[string]string {
	if c, ok := e.execConfigs.Load(typ); ok {
		return c.(map[string]string)
	}
	out := make(map[string]string, len(e.props))
	for k, v := range e.props {
		out[k] = v
	}
	for _, prefix := range []string{"rule.executors._default_.param.", "rule.executors._" + typ + "_.param."} {
		for k, v := range e.props {
			if strings.HasPrefix(k, prefix) {
				out[strings.TrimPrefix(k, prefix)] = v
			}
		}
	}
	e.execConfigs.Store(typ, out)
	return out
}

// param is RuleContext.getParameter: the rule's params, then the target
// schema's metadata properties.
func (s *Set) param(r *sr.SchemaRule, name string) string {
	if v, ok := r.Params[name]; ok && v != "" {
		return v
	}
	return s.props[name]
}

// encryptor is one ENCRYPT rule run over one message (Confluent's
// EncryptionExecutorTransform).
type encryptor struct {
	c          *crypt
	config     map[string]string
	mode       Mode
	subject    string
	algorithm  string
	expiryDays int
	kek        *srclient.KEK
	// bytesAsText: bytes fields are encrypted as their base64 text
	// (Message.BytesAsText).
	bytesAsText bool
}

// newEncryptor reads the rule's parameters and gets (on write, creates)
// its KEK, before any field is visited, as Confluent's transform init.
func (s *Set) newEncryptor(mode Mode, r *sr.SchemaRule, msg Message, typ string) (*encryptor, error) {
	subject := msg.Subject
	c := s.e.crypt
	if c == nil {
		return nil, errors.New("no DEK registry configured")
	}
	enc := &encryptor{c: c, config: s.e.executorConfig(typ), mode: mode, subject: subject, algorithm: csfle.AES256GCM, bytesAsText: msg.BytesAsText}
	if a := s.param(r, paramAlgorithm); a != "" {
		if err := csfle.CheckAlgorithm(a); err != nil {
			return nil, fmt.Errorf("%s: %w", paramAlgorithm, err)
		}
		enc.algorithm = a
	}
	name := s.param(r, paramKekName)
	if err := checkKekName(name, r.Params[paramKekName] != "" || s.props[paramKekName] != ""); err != nil {
		return nil, err
	}
	if subject == "" {
		return nil, errors.New("no subject to name the DEK by")
	}
	kek, err := enc.getOrCreateKEK(name, s.param(r, paramKmsType), s.param(r, paramKmsKeyID))
	if err != nil {
		return nil, err
	}
	enc.kek = kek
	if v := s.param(r, paramExpiryDays); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("Invalid value for %s: %s", paramExpiryDays, v)
		}
		enc.expiryDays = n
	}
	return enc, nil
}

// checkKekName is Confluent's kek name check: a letter or _ then
// letters, digits, _ and -.
func checkKekName(name string, given bool) error {
	switch {
	case !given:
		return errors.New("No kek name found")
	case name == "":
		return errors.New("Empty kek name")
	}
	for i, c := range name {
		ok := unicode.IsLetter(c) || c == '_' || i > 0 && (unicode.IsDigit(c) || c == '-')
		if !ok && i == 0 {
			return fmt.Errorf("Illegal initial character in kek name: %s", name)
		}
		if !ok {
			return fmt.Errorf("Illegal character in kek name: %s", name)
		}
	}
	return nil
}

func (enc *encryptor) getOrCreateKEK(name, kmsType, kmsKeyID string) (*srclient.KEK, error) {
	read := enc.mode == Read
	key := kekKey{name, read}
	c := enc.c
	c.mu.Lock()
	kek := c.keks[key]
	c.mu.Unlock()
	if kek == nil {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		var err error
		if kek, err = c.reg.KEK(ctx, name, read); err != nil {
			return nil, fmt.Errorf("Could not get kek %s: %w", name, srclient.Explain(err))
		}
		if kek == nil {
			switch {
			case read:
				return nil, fmt.Errorf("No kek found for %s during consume", name)
			case kmsType == "":
				return nil, fmt.Errorf("No kms type found for %s during produce", name)
			case kmsKeyID == "":
				return nil, fmt.Errorf("No kms key id found for %s during produce", name)
			}
			if kek, err = c.reg.CreateKEK(ctx, name, kmsType, kmsKeyID, false); err != nil {
				return nil, fmt.Errorf("Could not register kek %s: %w", name, srclient.Explain(err))
			}
			if kek == nil { // registered meanwhile by another client (409)
				if kek, err = c.reg.KEK(ctx, name, read); err != nil {
					return nil, fmt.Errorf("Could not get kek %s: %w", name, srclient.Explain(err))
				}
			}
			if kek == nil {
				return nil, fmt.Errorf("No kek found for %s during produce", name)
			}
		}
		c.mu.Lock()
		c.keks[key] = kek
		c.mu.Unlock()
	}
	if kmsType != "" && kmsType != kek.KmsType {
		return nil, fmt.Errorf("Found %s with kms type '%s' which differs from rule kms type '%s'", name, kek.KmsType, kmsType)
	}
	if kmsKeyID != "" && kmsKeyID != kek.KmsKeyID {
		return nil, fmt.Errorf("Found %s with kms key id '%s' which differs from rule kms key id '%s'", name, kek.KmsKeyID, kmsKeyID)
	}
	return kek, nil
}

// kms is the KEK's KMS, which encrypts and decrypts DEKs of a KEK that is
// not shared. Only Confluent's local-kms can be reached from goconnect.
func (enc *encryptor) kms() (*csfle.LocalKMS, error) {
	if enc.kek.KmsType != csfle.LocalKMSType {
		return nil, fmt.Errorf("KMS type %s of kek %s is not supported by goconnect (only %s; a shared kek's DEKs need no KMS here)",
			enc.kek.KmsType, enc.kek.Name, csfle.LocalKMSType)
	}
	secret, ok := enc.kek.KmsProps[secretKey]
	if !ok {
		secret, ok = enc.config[secretKey]
	}
	if !ok {
		secret = enc.c.getenv(localSecretEnv)
		ok = secret != ""
	}
	if !ok {
		return nil, fmt.Errorf("local-kms of kek %s: cannot load secret (set rule.executors._default_.param.secret or %s)", enc.kek.Name, localSecretEnv)
	}
	return csfle.NewLocalKMS(secret)
}

// rotated is whether DEKs expire, which prefixes ciphertexts with the
// DEK's version.
func (enc *encryptor) rotated() bool { return enc.expiryDays > 0 }

// dek is Confluent's getOrCreateDek: version 0 = unversioned, -1 =
// latest.
func (enc *encryptor) dek(version int) (*dekEntry, error) {
	read := enc.mode == Read
	c := enc.c
	key := dekKey{kek: enc.kek.Name, subject: enc.subject, algorithm: enc.algorithm, version: version, deleted: read}
	c.mu.Lock()
	cached := c.deks[key]
	c.mu.Unlock()
	if cached != nil && !enc.expired(cached.ts) {
		return cached, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	d, err := enc.retrieve(ctx, version)
	if err != nil {
		return nil, err
	}
	expired := d != nil && enc.expired(d.TS)
	if d == nil || expired {
		if read {
			return nil, fmt.Errorf("No dek found for %s during consume", enc.kek.Name)
		}
		var encrypted string
		if !enc.kek.Shared {
			kms, err := enc.kms()
			if err != nil {
				return nil, err
			}
			raw, err := csfle.NewDEK(enc.algorithm)
			if err != nil {
				return nil, err
			}
			encrypted = base64.StdEncoding.EncodeToString(kms.Encrypt(raw))
		}
		newVersion := 0
		if expired {
			newVersion = d.Version + 1
		}
		created, err := c.reg.CreateDEK(ctx, enc.kek.Name, enc.subject, newVersion, enc.algorithm, encrypted)
		if err == nil && created == nil { // created meanwhile (409): read it back
			created, err = enc.retrieve(ctx, version)
		}
		switch {
		case err != nil && d == nil:
			return nil, fmt.Errorf("Could not register dek for kek %s, subject %s: %w", enc.kek.Name, enc.subject, srclient.Explain(err))
		case err == nil && created != nil:
			d = created
		case d == nil:
			return nil, fmt.Errorf("No dek found for %s during produce", enc.kek.Name)
		}
		// Else, as Confluent, the expired DEK goes on being used.
	}
	entry, err := enc.open(d)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.deks[key] = entry
	c.mu.Unlock()
	return entry, nil
}

// retrieve reads a DEK; nil when absent or without encrypted key
// material.
func (enc *encryptor) retrieve(ctx context.Context, version int) (*srclient.DEK, error) {
	d, err := enc.c.reg.DEK(ctx, enc.kek.Name, enc.subject, version, enc.algorithm, enc.mode == Read)
	if err != nil {
		return nil, fmt.Errorf("Could not get dek for kek %s, subject %s: %w", enc.kek.Name, enc.subject, srclient.Explain(err))
	}
	if d == nil || d.EncryptedKeyMaterial == "" {
		return nil, nil
	}
	return d, nil
}

func (enc *encryptor) expired(ts int64) bool {
	return enc.mode != Read && enc.expiryDays > 0 && (enc.c.now().UnixMilli()-ts)/millisInDay >= int64(enc.expiryDays)
}

// open reads a DEK's key material: given by the registry (shared KEK),
// else decrypted with the KEK's KMS.
func (enc *encryptor) open(d *srclient.DEK) (*dekEntry, error) {
	var raw []byte
	var err error
	if d.KeyMaterial != "" {
		if raw, err = base64.StdEncoding.DecodeString(d.KeyMaterial); err != nil {
			return nil, fmt.Errorf("dek of kek %s, subject %s, version %d: key material: %w", d.KekName, d.Subject, d.Version, err)
		}
	} else {
		kms, err := enc.kms()
		if err != nil {
			return nil, err
		}
		ct, err := base64.StdEncoding.DecodeString(d.EncryptedKeyMaterial)
		if err != nil {
			return nil, fmt.Errorf("dek of kek %s, subject %s, version %d: encrypted key material: %w", d.KekName, d.Subject, d.Version, err)
		}
		if raw, err = kms.Decrypt(ct); err != nil {
			return nil, fmt.Errorf("dek of kek %s, subject %s, version %d: decrypting its key material with %s: %w", d.KekName, d.Subject, d.Version, enc.kek.KmsType, err)
		}
	}
	cph, err := csfle.NewCipher(enc.algorithm, raw)
	if err != nil {
		return nil, fmt.Errorf("dek of kek %s, subject %s, version %d: %w", d.KekName, d.Subject, d.Version, err)
	}
	return &dekEntry{version: d.Version, ts: d.TS, cipher: cph}, nil
}

// field encrypts (write) or decrypts (read) one field value: strings as
// the base64 of their ciphertext, bytes as it; other types fail on write
// and are left as they are on read, as Confluent's transform.
func (enc *encryptor) field(s *data.Schema, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	isString := s.Type == data.TypeString && typeName(s, v) == "STRING"
	isBytes := s.Type == data.TypeBytes && s.Name == ""
	if !isString && !isBytes {
		if enc.mode == Write {
			return nil, fmt.Errorf("Type '%s' not supported for encryption", typeName(s, v))
		}
		return v, nil
	}
	var in []byte
	switch x := v.(type) {
	case string:
		in = []byte(x)
	case []byte:
		in = x
	default:
		return nil, fmt.Errorf("a %T value for a %s field", v, s.Type)
	}
	if enc.mode == Write {
		if isBytes && enc.bytesAsText {
			in = []byte(base64.StdEncoding.EncodeToString(in))
		}
		version := 0
		if enc.rotated() {
			version = -1
		}
		d, err := enc.dek(version)
		if err != nil {
			return nil, err
		}
		ct := d.cipher.Encrypt(in)
		if enc.rotated() {
			// Confluent's prefixVersion: magic byte 0, the DEK version
			// (4 bytes, big-endian), the ciphertext.
			ct = append(binary.BigEndian.AppendUint32([]byte{0}, uint32(d.version)), ct...)
		}
		if isString {
			return base64.StdEncoding.EncodeToString(ct), nil
		}
		return ct, nil
	}
	ct := in
	if isString {
		var err error
		if ct, err = base64.StdEncoding.DecodeString(string(in)); err != nil {
			return nil, fmt.Errorf("ciphertext is not base64: %w", err)
		}
	}
	version := 0
	if enc.rotated() {
		if len(ct) < 5 || ct[0] != 0 {
			return nil, errors.New("Unknown magic byte!")
		}
		version, ct = int(binary.BigEndian.Uint32(ct[1:5])), ct[5:]
	}
	d, err := enc.dek(version)
	if err != nil {
		return nil, err
	}
	plain, err := d.cipher.Decrypt(ct)
	if err != nil {
		return nil, fmt.Errorf("decrypting with the dek of kek %s, subject %s, version %d: %w", enc.kek.Name, enc.subject, d.version, err)
	}
	switch {
	case isString:
		return string(plain), nil
	case enc.bytesAsText:
		raw, err := base64.StdEncoding.DecodeString(string(plain))
		if err != nil {
			return nil, fmt.Errorf("decrypted bytes are not base64: %w", err)
		}
		return raw, nil
	}
	return plain, nil
}
