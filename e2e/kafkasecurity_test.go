//go:build e2e

package e2e

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// The secured listeners and material of scripts/services.sh's Kafka
// (scripts/kafka/security.sh; documented in scripts/README.md).
var (
	secDir            = envOr("GOCONNECT_E2E_KAFKA_SECURITY", filepath.Join(envOr("GOCONNECT_CACHE", filepath.Join(os.Getenv("HOME"), ".cache", "goconnect")), "kafka-security"))
	saslSSLAddr       = envOr("GOCONNECT_E2E_KAFKA_SASL_SSL", "127.0.0.1:9093")
	sslAddr           = envOr("GOCONNECT_E2E_KAFKA_SSL", "127.0.0.1:9095")
	saslPlaintextAddr = envOr("GOCONNECT_E2E_KAFKA_SASL_PLAINTEXT", "127.0.0.1:9097")
	oauthAddr         = envOr("GOCONNECT_E2E_KAFKA_OAUTH", "127.0.0.1:9099")
)

const (
	// specialPassword is the password of the users plain-special and
	// scram-special: a JAAS quote and backslash, ';' and '='.
	specialPassword = `Sp3c"ial\pa;ss=w0rd`
	oauthAudience   = "goconnect-kafka"
	oauthIssuer     = "https://issuer.goconnect.test"
	oauthKid        = "goconnect-test"
)

func secFile(name string) string { return filepath.Join(secDir, name) }

var securedOpen = sync.OnceValue(func() error {
	for _, addr := range []string{saslSSLAddr, sslAddr, saslPlaintextAddr, oauthAddr} {
		c, err := net.DialTimeout("tcp", addr, 3*time.Second)
		if err != nil {
			return fmt.Errorf("Kafka's secured listener %s is not open (a broker started by an older scripts/services.sh? run scripts/services.sh up kafka): %w", addr, err)
		}
		c.Close()
	}
	if _, err := os.Stat(secFile("ca.pem")); err != nil {
		return fmt.Errorf("the TLS material of scripts/services.sh is missing (set GOCONNECT_E2E_KAFKA_SECURITY?): %w", err)
	}
	return nil
})

// needSecuredKafka fails the test at once, saying why, when the broker has
// no secured listeners, instead of each test timing out.
func needSecuredKafka(t *testing.T) {
	t.Helper()
	if err := securedOpen(); err != nil {
		t.Fatal(err)
	}
}

// tlsTo is the read-back client's TLS: the test CA, and the client
// certificate when the listener asks for one.
func tlsTo(t *testing.T, withCert bool) *tls.Config {
	t.Helper()
	needSecuredKafka(t)
	ca, err := os.ReadFile(secFile("ca.pem"))
	if err != nil {
		t.Fatalf("reading the test CA (start Kafka with scripts/services.sh up kafka): %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("no certificate in %s", secFile("ca.pem"))
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if withCert {
		cert, err := tls.LoadX509KeyPair(secFile("client.chain.pem"), secFile("client.key"))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg
}

// readBack reads the topic from the start through one listener until it
// has n ratings, checking each is a rating keyed by its id.
func readBack(t *testing.T, seed, topic string, n int, opts ...kgo.Opt) []rating {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seed), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	var out []rating
	for len(out) < n {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d ratings of %s through %s within 60s, want %d (errors: %v)", len(out), topic, seed, n, fs.Errors())
		}
		for _, e := range fs.Errors() {
			t.Logf("fetch from %s: %v", seed, e.Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var rt rating
			if err := json.Unmarshal(r.Value, &rt); err != nil {
				t.Fatalf("record %d is not a ratings JSON value: %s", r.Offset, r.Value)
			}
			if string(r.Key) != fmt.Sprint(rt.RatingID) {
				t.Fatalf("record key %q does not match rating_id %d", r.Key, rt.RatingID)
			}
			out = append(out, rt)
		})
	}
	for i, r := range out {
		if r.RatingID != int64(i+1) {
			t.Fatalf("record %d has rating_id %d, want %d", i, r.RatingID, i+1)
		}
	}
	return out
}

// signToken signs a JWT for sub as the broker's JWKS expects it.
func signToken(t *testing.T, key *rsa.PrivateKey, sub string, ttl time.Duration) string {
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Error(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now()
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": oauthKid}) + "." + enc(map[string]any{
		"sub": sub, "aud": oauthAudience, "iss": oauthIssuer, "scope": "kafka",
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
	})
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Error(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// oauthKey is the private key whose JWKS the broker validates tokens with.
func oauthKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile(secFile("oauth.key"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("no PEM block in %s", secFile("oauth.key"))
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// The secured listeners of scripts/services.sh's Kafka answer a Go client
// with the users, certificates and token key the script wrote, and refuse
// a wrong password, an untrusted client certificate and a token signed by
// another key.
func TestKafkaSecuredListeners(t *testing.T) {
	needSecuredKafka(t)
	key := oauthKey(t)
	rogueKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	token := func(k *rsa.PrivateKey) kgo.Opt {
		return kgo.SASL(oauth.Oauth(func(context.Context) (oauth.Auth, error) {
			return oauth.Auth{Token: signToken(t, k, "e2e-reader", time.Hour)}, nil
		}))
	}
	rogueTLS := tlsTo(t, false)
	rogue, err := tls.LoadX509KeyPair(secFile("rogue-client.chain.pem"), secFile("rogue-client.key"))
	if err != nil {
		t.Fatal(err)
	}
	rogueTLS.Certificates = []tls.Certificate{rogue}
	cases := []struct {
		name string
		addr string
		opts []kgo.Opt
		ok   bool
	}{
		{"SASL_SSL SCRAM-SHA-512 special password", saslSSLAddr, []kgo.Opt{kgo.DialTLSConfig(tlsTo(t, false)),
			kgo.SASL(scram.Auth{User: "scram-special", Pass: specialPassword}.AsSha512Mechanism())}, true},
		{"SASL_SSL PLAIN", saslSSLAddr, []kgo.Opt{kgo.DialTLSConfig(tlsTo(t, false)),
			kgo.SASL(plain.Auth{User: "plain-user", Pass: "plain-secret"}.AsMechanism())}, true},
		{"SSL client certificate", sslAddr, []kgo.Opt{kgo.DialTLSConfig(tlsTo(t, true))}, true},
		{"SASL_PLAINTEXT PLAIN special password", saslPlaintextAddr, []kgo.Opt{
			kgo.SASL(plain.Auth{User: "plain-special", Pass: specialPassword}.AsMechanism())}, true},
		{"SASL_PLAINTEXT SCRAM-SHA-256", saslPlaintextAddr, []kgo.Opt{
			kgo.SASL(scram.Auth{User: "scram-user", Pass: "scram-secret"}.AsSha256Mechanism())}, true},
		{"OAUTHBEARER", oauthAddr, []kgo.Opt{token(key)}, true},
		{"SASL_SSL SCRAM-SHA-512 wrong password", saslSSLAddr, []kgo.Opt{kgo.DialTLSConfig(tlsTo(t, false)),
			kgo.SASL(scram.Auth{User: "scram-special", Pass: "wrong"}.AsSha512Mechanism())}, false},
		{"SSL untrusted client certificate", sslAddr, []kgo.Opt{kgo.DialTLSConfig(rogueTLS)}, false},
		{"OAUTHBEARER token of another key", oauthAddr, []kgo.Opt{token(rogueKey)}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			topic := uniqueName(t, "secured")
			cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.addr), kgo.DefaultProduceTopic(topic),
				kgo.AllowAutoTopicCreation(), kgo.RecordRetries(2)}, c.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
			defer cancel()
			var perr error
			for i := 1; i <= 3 && perr == nil; i++ {
				perr = cl.ProduceSync(ctx, &kgo.Record{Key: []byte(fmt.Sprint(i)), Value: []byte(fmt.Sprintf(`{"rating_id":%d}`, i))}).FirstErr()
			}
			if !c.ok {
				if perr == nil {
					t.Fatalf("%s accepted a bad credential", c.addr)
				}
				t.Logf("refused: %v", perr)
				return
			}
			if perr != nil {
				t.Fatalf("producing through %s: %v", c.addr, perr)
			}
			readBack(t, c.addr, topic, 3, c.opts...)
		})
	}
}
