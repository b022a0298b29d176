package avro

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/goconnect/goconnect/connect/data"
	"github.com/goconnect/goconnect/internal/csfle"
	"github.com/goconnect/goconnect/internal/srclient"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
	"github.com/goconnect/goconnect/schemaregistry/srtest"
)

// ENCRYPT rules (Confluent's client-side field-level encryption) run in
// the converter against goconnect's registry and DEK registry: the tagged
// field leaves as the base64 of its ciphertext (bytes fields as the
// ciphertext), the KEK and DEK are created on first write, a converter
// with the secret decrypts, one without fails.
func TestEncryptRule(t *testing.T) {
	deks := dekregistry.New(nil)
	if err := deks.SetLocalSecret("serversecret"); err != nil {
		t.Fatal(err)
	}
	srv := srtest.New(t, func(m *http.ServeMux) { dekregistry.Routes(m, deks) })
	const text = `{"type":"record","name":"R","fields":[{"name":"ssn","type":"string","confluent:tags":["PII"]},{"name":"raw","type":"bytes","confluent:tags":["PII"]},{"name":"age","type":"int"},{"name":"note","type":["null","string"],"default":null,"confluent:tags":["PII"]}]}`
	s := data.StructBuilder().Name("R").Field("ssn", data.StringSchema).Field("raw", data.BytesSchema).
		Field("age", data.Int32Schema).Field("note", data.OptionalString).MustBuild()
	value := data.NewStruct(s).MustPut("ssn", "123-45-6789").MustPut("raw", []byte{1, 2, 3}).MustPut("age", int32(30))
	register := func(t *testing.T, topic, params string, extra ...string) int {
		t.Helper()
		rule := `{"name":"encryptPII","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],"params":{` + params + `},"onFailure":"ERROR,NONE"}`
		if len(extra) > 0 && extra[0] != "" {
			rule = extra[0]
		}
		return srv.Register(t, topic+"-value", srtest.Schema{Text: text, Rules: `{"domainRules":[` + rule + `]}`})
	}
	converter := func(extra ...string) *Converter {
		props := map[string]string{"auto.register.schemas": "false", "use.latest.version": "true"}
		for i := 0; i < len(extra); i += 2 {
			props[extra[i]] = extra[i+1]
		}
		return testkit.RegistryConverter(t, New(), srv.URL, false, props)
	}
	const secret = "rule.executors._default_.param.secret"
	// decodeBody reads the written record's fields without rules.
	decodeBody := func(t *testing.T, b []byte) (ssn string, raw []byte, age int32) {
		t.Helper()
		plain := testkit.RegistryConverter(t, New(), srv.URL, false, map[string]string{"rule.executors.encryptPII.disabled": "true"})
		_, v, err := plain.ToConnectData("any", nil, b)
		if err != nil {
			t.Fatal(err)
		}
		st := v.(*data.Struct)
		return st.GetIndex(0).(string), st.GetIndex(1).([]byte), st.GetIndex(2).(int32)
	}
	roundTrip := func(t *testing.T, topic string, w, r *Converter) []byte {
		t.Helper()
		b, err := w.FromConnectData(topic, nil, s, value)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("123-45-6789")) || bytes.Contains(b, []byte{6, 1, 2, 3}) {
			t.Fatalf("plain values on the wire: % x", b)
		}
		_, v, err := r.ToConnectData(topic, nil, b)
		if err != nil {
			t.Fatal(err)
		}
		// The schema read carries the registry version (the lookup finds
		// the version with its rule set), the one written none: compare
		// the values.
		if fmt.Sprint(v) != fmt.Sprint(value) {
			t.Fatalf("read %v, want %v", v, value)
		}
		return b
	}

	t.Run("local-kms, KEK and DEK created", func(t *testing.T) {
		register(t, "t1", `"encrypt.kek.name":"k1","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey"`)
		b := roundTrip(t, "t1", converter(secret, "mysecret"), converter(secret, "mysecret"))
		kek, err := deks.GetKEK("k1", false)
		if err != nil || kek.KmsType != "local-kms" || kek.KmsKeyID != "mykey" || kek.Shared {
			t.Fatalf("KEK %+v %v", kek, err)
		}
		d, err := deks.GetDEK("k1", "t1-value", 1, "AES256_GCM", false)
		if err != nil || d.EncryptedKeyMaterial == "" {
			t.Fatalf("DEK %+v %v", d, err)
		}
		// The DEK's key material is encrypted with the client's secret
		// (the KEK is not shared), and the field is its AES-GCM
		// ciphertext: base64(IV 12 | ciphertext | tag 16).
		kms, _ := csfle.NewLocalKMS("mysecret")
		enc, _ := base64.StdEncoding.DecodeString(d.EncryptedKeyMaterial)
		raw, err := kms.Decrypt(enc)
		if err != nil {
			t.Fatal(err)
		}
		cph, err := csfle.NewCipher(csfle.AES256GCM, raw)
		if err != nil {
			t.Fatal(err)
		}
		ssn, rawField, age := decodeBody(t, b)
		ct, err := base64.StdEncoding.DecodeString(ssn)
		if err != nil || len(ct) != 12+len("123-45-6789")+16 {
			t.Fatalf("ssn on the wire %q (%v)", ssn, err)
		}
		if p, err := cph.Decrypt(ct); err != nil || string(p) != "123-45-6789" {
			t.Fatalf("ssn decrypts to %q, %v", p, err)
		}
		if p, err := cph.Decrypt(rawField); err != nil || !bytes.Equal(p, []byte{1, 2, 3}) {
			t.Fatalf("raw decrypts to %x, %v", p, err)
		}
		if age != 30 {
			t.Fatalf("age %d", age)
		}
		// Without the secret, the rule's onFailure for READ (NONE) hands
		// the ciphertext on, as Confluent's deserializer; with ERROR the
		// record fails. LOCAL_SECRET is the fallback for the setting.
		if _, v, err := converter().ToConnectData("t1", nil, b); err != nil || v.(*data.Struct).GetIndex(0) != ssn {
			t.Fatalf("read without a secret, onFailure NONE: %v %v", v, err)
		}
		strict := []string{"rule.executors._default_.onFailure", "ERROR"}
		if _, _, err := converter(strict...).ToConnectData("t1", nil, b); err == nil || !strings.Contains(err.Error(), "Rule failed: encryptPII") || !strings.Contains(err.Error(), "cannot load secret") {
			t.Fatalf("read without a secret: %v", err)
		}
		t.Setenv("LOCAL_SECRET", "mysecret")
		if _, v, err := converter(strict...).ToConnectData("t1", nil, b); err != nil || v.(*data.Struct).GetIndex(0) != "123-45-6789" {
			t.Fatalf("read with LOCAL_SECRET: %v %v", v, err)
		}
		t.Setenv("LOCAL_SECRET", "wrong")
		if _, _, err := converter(strict...).ToConnectData("t1", nil, b); err == nil || !strings.Contains(err.Error(), "decrypting its key material") {
			t.Fatalf("read with a wrong secret: %v", err)
		}
	})

	t.Run("concurrent records on one converter", func(t *testing.T) {
		register(t, "tc", `"encrypt.kek.name":"kc","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey"`)
		conv := converter(secret, "cs")
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					b, err := conv.FromConnectData("tc", nil, s, value)
					if err == nil {
						var v any
						if _, v, err = conv.ToConnectData("tc", nil, b); err == nil && fmt.Sprint(v) != fmt.Sprint(value) {
							err = fmt.Errorf("read %v", v)
						}
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// One DEK for the subject, however many records raced to create it.
		if _, err := deks.GetDEK("kc", "tc-value", 2, "", false); err == nil {
			t.Fatal("a second DEK version")
		}
	})

	t.Run("deterministic AES256_SIV", func(t *testing.T) {
		register(t, "t2", `"encrypt.kek.name":"k2","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey","encrypt.dek.algorithm":"AES256_SIV"`)
		w := converter("rule.executors._ENCRYPT_.param.secret", "s2")
		a := roundTrip(t, "t2", w, converter(secret, "s2"))
		b := roundTrip(t, "t2", converter("rule.executors._ENCRYPT_.param.secret", "s2"), w)
		if !bytes.Equal(a, b) {
			t.Fatalf("SIV ciphertexts differ: % x / % x", a, b)
		}
		if _, err := deks.GetDEK("k2", "t2-value", 1, "AES256_SIV", false); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("expiry prefixes the DEK version", func(t *testing.T) {
		register(t, "t3", `"encrypt.kek.name":"k3","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey","encrypt.dek.expiry.days":"1"`)
		b := roundTrip(t, "t3", converter(secret, "s3"), converter(secret, "s3"))
		ssn, raw, _ := decodeBody(t, b)
		ct, _ := base64.StdEncoding.DecodeString(ssn)
		if len(ct) < 5 || ct[0] != 0 || binary.BigEndian.Uint32(ct[1:5]) != 1 || len(ct) != 5+12+11+16 {
			t.Fatalf("ssn ciphertext % x: want 00, version 1, AES-GCM", ct)
		}
		if raw[0] != 0 || binary.BigEndian.Uint32(raw[1:5]) != 1 {
			t.Fatalf("raw ciphertext % x", raw)
		}
	})

	t.Run("shared KEK: the registry makes the DEK", func(t *testing.T) {
		localKMS := "local-kms"
		if _, err := deks.CreateKEK(dekregistry.CreateKEKRequest{Name: "k4", KmsType: &localKMS, KmsKeyID: "mykey", Shared: true}); err != nil {
			t.Fatal(err)
		}
		register(t, "t4", `"encrypt.kek.name":"k4"`)
		// Neither converter has the secret: the registry answers the key
		// material.
		roundTrip(t, "t4", converter(), converter())
	})

	t.Run("other KMS types are refused", func(t *testing.T) {
		register(t, "t5", `"encrypt.kek.name":"k5","encrypt.kms.type":"aws-kms","encrypt.kms.key.id":"arn:aws:kms:us-east-1:1:key/x"`)
		_, err := converter(secret, "x").FromConnectData("t5", nil, s, value)
		if err == nil || !strings.Contains(err.Error(), "Rule failed: encryptPII") || !strings.Contains(err.Error(), "KMS type aws-kms") {
			t.Fatalf("write with aws-kms: %v", err)
		}
	})

	t.Run("rule errors", func(t *testing.T) {
		for _, c := range []struct{ topic, params, rule, want string }{
			{"t6", `"encrypt.kek.name":"k6"`, "", "No kms type found for k6 during produce"},
			{"t7", `"encrypt.kek.name":"k7","encrypt.kms.type":"local-kms"`, "", "No kms key id found for k7 during produce"},
			{"t8", `"encrypt.kek.name":"1k"`, "", "Illegal initial character in kek name: 1k"},
			{"t9", `"encrypt.kek.name":"k1","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"other"`, "", "Found k1 with kms key id 'mykey' which differs from rule kms key id 'other'"},
			{"t10", `"encrypt.kek.name":"k1","encrypt.dek.algorithm":"AES512"`, "", "unknown DEK algorithm"},
			{"t11", `"encrypt.kek.name":"k1","encrypt.dek.expiry.days":"-1"`, "", "Invalid value for encrypt.dek.expiry.days: -1"},
			{"t12", "", `{"name":"encInt","kind":"TRANSFORM","mode":"WRITE","type":"ENCRYPT","tags":["NUM"],"params":{"encrypt.kek.name":"k1"}}`, ""},
		} {
			register(t, c.topic, c.params, c.rule)
			_, err := converter(secret, "mysecret").FromConnectData(c.topic, nil, s, value)
			if c.want == "" {
				if err != nil {
					t.Errorf("%s: %v (no field has the rule's tag)", c.topic, err)
				}
				continue
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.topic, err, c.want)
			}
		}
		// A tagged field of a type Confluent does not encrypt fails the write.
		intText := `{"type":"record","name":"I","fields":[{"name":"n","type":"int","confluent:tags":["PII"]}]}`
		srv.Register(t, "t13-value", srtest.Schema{Text: intText,
			Rules: `{"domainRules":[{"name":"encryptPII","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],"params":{"encrypt.kek.name":"k1"}}]}`})
		is := data.StructBuilder().Name("I").Field("n", data.Int32Schema).MustBuild()
		_, err := converter(secret, "mysecret").FromConnectData("t13", nil, is, data.NewStruct(is).MustPut("n", int32(1)))
		if err == nil || !strings.Contains(err.Error(), "Type 'INT' not supported for encryption") {
			t.Fatalf("int field: %v", err)
		}
		// An enum (a Connect string with AvroData's enum parameters) is an
		// ENUM to Confluent, not encrypted either.
		enumText := `{"type":"record","name":"E","fields":[{"name":"c","type":{"type":"enum","name":"Color","symbols":["RED","BLUE"]},"confluent:tags":["PII"]}]}`
		id := srv.Register(t, "t15-value", srtest.Schema{Text: enumText,
			Rules: `{"domainRules":[{"name":"encryptPII","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"],"params":{"encrypt.kek.name":"k1"}}]}`})
		ec := converter(secret, "mysecret", "latest.compatibility.strict", "false")
		// The enum's Connect schema as the converter reads it.
		es, ev, err := ec.ToConnectData("t15", nil, append(srclient.AppendHeader(nil, id), 2))
		if err != nil || ev.(*data.Struct).GetIndex(0) != "BLUE" {
			t.Fatalf("reading an enum record: %v %v", ev, err)
		}
		if _, err := ec.FromConnectData("t15", nil, es, ev); err == nil || !strings.Contains(err.Error(), "Type 'ENUM' not supported for encryption") {
			t.Fatalf("enum field: %v", err)
		}
	})

	t.Run("payload encryption (encodingRules)", func(t *testing.T) {
		for _, c := range []struct{ topic, params string }{
			{"p1", `"encrypt.kek.name":"kp","encrypt.kms.type":"local-kms","encrypt.kms.key.id":"mykey"`},
			{"p2", `"encrypt.kek.name":"kp","encrypt.dek.expiry.days":"3"`},
		} {
			srv.Register(t, c.topic+"-value", srtest.Schema{Text: text,
				Rules: `{"encodingRules":[{"name":"encryptPayload","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT_PAYLOAD","params":{` + c.params + `}}]}`})
			w := converter("rule.executors._ENCRYPT_PAYLOAD_.param.secret", "ps")
			b, err := w.FromConnectData(c.topic, nil, s, value)
			if err != nil {
				t.Fatal(err)
			}
			// The header stays; the payload is the AES-GCM ciphertext of the
			// Avro record (with expiry: 0, DEK version 1, ciphertext).
			plain := testkit.RegistryConverter(t, New(), srv.URL, false, map[string]string{"rule.executors.encryptPayload.disabled": "true", "use.latest.version": "true", "auto.register.schemas": "false"})
			want, err := plain.FromConnectData(c.topic, nil, s, value)
			if err != nil {
				t.Fatal(err)
			}
			ct := b[5:]
			if c.topic == "p2" {
				if !bytes.HasPrefix(ct, []byte{0, 0, 0, 0, 1}) {
					t.Fatalf("payload % x: want the DEK version prefix", ct)
				}
				ct = ct[5:]
			}
			if !bytes.Equal(b[:5], want[:5]) || bytes.Contains(b, []byte("123-45-6789")) || len(ct) != 12+len(want)-5+16 {
				t.Fatalf("wrote % x; plain record % x", b, want)
			}
			d, err := deks.GetDEK("kp", c.topic+"-value", 1, "", false)
			if err != nil {
				t.Fatal(err)
			}
			kms, _ := csfle.NewLocalKMS("ps")
			encKey, _ := base64.StdEncoding.DecodeString(d.EncryptedKeyMaterial)
			raw, err := kms.Decrypt(encKey)
			if err != nil {
				t.Fatal(err)
			}
			cph, _ := csfle.NewCipher(csfle.AES256GCM, raw)
			if p, err := cph.Decrypt(ct); err != nil || !bytes.Equal(p, want[5:]) {
				t.Fatalf("payload decrypts to % x (%v), want % x", p, err, want[5:])
			}
			_, got, err := converter(secret, "ps").ToConnectData(c.topic, nil, b)
			if err != nil || !got.(*data.Struct).Equal(value) {
				t.Fatalf("read %v %v", got, err)
			}
		}
	})

	t.Run("metadata tags and properties", func(t *testing.T) {
		// No inline tag: the metadata tags M.ssn as PII, and the kek
		// name comes from the metadata properties.
		plainText := `{"type":"record","name":"M","fields":[{"name":"ssn","type":"string"},{"name":"age","type":"int"}]}`
		srv.Register(t, "t14-value", srtest.Schema{Text: plainText,
			Metadata: `{"tags":{"M.ssn":["PII"]},"properties":{"encrypt.kek.name":"k1"}}`,
			Rules:    `{"domainRules":[{"name":"encryptPII","kind":"TRANSFORM","mode":"WRITEREAD","type":"ENCRYPT","tags":["PII"]}]}`})
		ms := data.StructBuilder().Name("M").Field("ssn", data.StringSchema).Field("age", data.Int32Schema).MustBuild()
		mv := data.NewStruct(ms).MustPut("ssn", "123-45-6789").MustPut("age", int32(5))
		b, err := converter(secret, "mysecret").FromConnectData("t14", nil, ms, mv)
		if err != nil || bytes.Contains(b, []byte("123-45-6789")) {
			t.Fatalf("write % x %v", b, err)
		}
		_, v, err := converter(secret, "mysecret").ToConnectData("t14", nil, b)
		if err != nil || fmt.Sprint(v) != fmt.Sprint(mv) {
			t.Fatalf("read %v %v", v, err)
		}
	})
}
