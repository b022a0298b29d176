//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

const (
	truststorePassword = "truststore-secret"
	clientPassword     = "client-secret"
	clientKeyPassword  = "client-key-secret"
	// failDeadline bounds how long a refused credential may take to
	// surface as a FAILED state or a failed start.
	failDeadline = 60 * time.Second
)

// setting is one worker setting; values are written escaped for a Java
// .properties file, except those made by continued (already in the file's
// syntax).
type setting struct{ key, value string }

// rawMark starts a value that is written as is.
const rawMark = "\x00raw:"

// propsEscape escapes a value for a Java .properties file, as
// Properties.store does for backslashes and line breaks.
func propsEscape(v string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`).Replace(v)
}

func jaasPlain(user, pass string) string {
	return "org.apache.kafka.common.security.plain.PlainLoginModule required username=" + jaasQuote(user) + " password=" + jaasQuote(pass) + ";"
}

func jaasScram(user, pass string) string {
	return "org.apache.kafka.common.security.scram.ScramLoginModule required username=" + jaasQuote(user) + " password=" + jaasQuote(pass) + ";"
}

// scoped writes the settings as a Java user writes them for Connect: at
// the worker level for its own clients, and again under producer.,
// consumer. and admin. for the tasks' clients, which do not inherit them.
func scoped(settings []setting) string {
	var b strings.Builder
	for _, prefix := range []string{"", "producer.", "consumer.", "admin."} {
		for _, s := range settings {
			v, raw := strings.CutPrefix(s.value, rawMark)
			if !raw {
				v = propsEscape(v)
			}
			fmt.Fprintf(&b, "%s%s=%s\n", prefix, s.key, v)
		}
	}
	return b.String()
}

func saslSSLSettings(mechanism, jaas string) []setting {
	return []setting{
		{"security.protocol", "SASL_SSL"},
		{"sasl.mechanism", mechanism},
		{"sasl.jaas.config", jaas},
		{"ssl.truststore.location", secFile("truststore.jks")},
		{"ssl.truststore.password", truststorePassword},
	}
}

// standaloneWorker runs a standalone worker whose every client is
// configured by sec against bootstrap, with one connector (a JSON file's
// content); it returns the worker and its REST address.
func standaloneWorker(t *testing.T, bootstrap, sec, connector string) (*worker, string) {
	t.Helper()
	return standaloneWorkerIn(t, t.TempDir(), bootstrap, sec, connector)
}

// standaloneWorkerIn is standaloneWorker with its files (and offsets) in
// dir, for a restart.
func standaloneWorkerIn(t *testing.T, dir, bootstrap, sec, connector string) (*worker, string) {
	t.Helper()
	needSecuredKafka(t)
	rest := "127.0.0.1:" + strconv.Itoa(freePort(t))
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf(`bootstrap.servers=%s
key.converter=org.apache.kafka.connect.storage.StringConverter
value.converter=org.apache.kafka.connect.json.JsonConverter
value.converter.schemas.enable=false
offset.storage.file.filename=%s
offset.flush.interval.ms=500
task.shutdown.graceful.timeout.ms=10000
plugin.path=/opt/kafka/libs/connect-file-4.1.1.jar
listeners=http://%s
%s`, bootstrap, filepath.Join(dir, "connect.offsets"), rest, sec))
	writeFile(t, filepath.Join(dir, "connector.json"), connector)
	w := startWorker(t, "standalone", filepath.Join(dir, "worker.properties"), filepath.Join(dir, "connector.json"))
	return w, rest
}

// standaloneRatings runs the ratings generator in a standalone worker
// configured by sec; it returns the worker, its REST address and the topic.
func standaloneRatings(t *testing.T, bootstrap, sec string) (*worker, string, string) {
	t.Helper()
	topic := uniqueName(t, "ratings")
	w, rest := standaloneWorker(t, bootstrap, sec, fmt.Sprintf(`{"name":"ratings","config":{
  "connector.class":"DatagenConnector","kafka.topic":%q,"quickstart":"ratings",
  "max.interval":"1","random.seed":"42","tasks.max":"1"}}`, topic))
	return w, rest, topic
}

// securedRatings is the happy path: ratings produced through the listener
// with sec, read back through the same listener, and a clean stop.
func securedRatings(t *testing.T, bootstrap string, settings []setting, readOpts ...kgo.Opt) {
	t.Helper()
	w, rest, topic := standaloneRatings(t, bootstrap, scoped(settings))
	waitUntil(t, 60*time.Second, "ratings connector and task RUNNING", func() bool { return allRunning(rest, "ratings", 1) })
	got := readBack(t, bootstrap, topic, 100, readOpts...)
	t.Logf("%d ratings produced and read back through %s", len(got), bootstrap)
	w.stop(t, 20*time.Second)
}

// expectRefused waits, within failDeadline, for the worker to refuse a bad
// credential: either the process exits non-zero, or the connector or its
// task is FAILED. The exit output or the trace must match why.
func expectRefused(t *testing.T, w *worker, rest string, why *regexp.Regexp) {
	t.Helper()
	start := time.Now()
	var last string
	for time.Since(start) < failDeadline {
		select {
		case err := <-w.done:
			if err == nil {
				t.Fatalf("worker exited cleanly with a refused credential:\n%s", w.output())
			}
			if !why.MatchString(w.output()) {
				t.Fatalf("worker exited (%v) but its output does not say why (want %s):\n%s", err, why, w.output())
			}
			t.Logf("refused at start after %s: %s", time.Since(start).Round(100*time.Millisecond), lastLine(w.output(), why))
			return
		default:
		}
		code, body := httpDo("GET", "http://"+rest+"/connectors/ratings/status", "")
		if code == 200 {
			last = string(body)
			var st connStatus
			if json.Unmarshal(body, &st) == nil {
				for _, ts := range st.Tasks {
					if ts.State == "FAILED" {
						if !why.MatchString(ts.Trace) {
							t.Fatalf("task FAILED but its trace does not say why (want %s):\n%s", why, ts.Trace)
						}
						t.Logf("task FAILED after %s: %s", time.Since(start).Round(100*time.Millisecond), firstLine(ts.Trace))
						return
					}
				}
				if st.Connector.State == "FAILED" {
					t.Fatalf("connector FAILED without a failed task: %s", body)
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("a refused credential neither failed the task nor stopped the worker within %s; last status: %s", failDeadline, last)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func lastLine(s string, re *regexp.Regexp) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if re.MatchString(lines[i]) {
			return lines[i]
		}
	}
	return ""
}

var (
	authRefused = regexp.MustCompile(`(?i)authenticat|SASL|credentials`)
	tlsRefused  = regexp.MustCompile(`(?i)certificate|x509|tls|ssl|handshake`)
)

// refused starts the ratings generator with settings that the broker (or
// the worker) must refuse, and checks it is refused in time, clearly.
func refused(t *testing.T, bootstrap string, settings []setting, why *regexp.Regexp) {
	t.Helper()
	w, rest, _ := standaloneRatings(t, bootstrap, scoped(settings))
	expectRefused(t, w, rest, why)
}

func TestSecuritySASLSSLPlain(t *testing.T) {
	securedRatings(t, saslSSLAddr, saslSSLSettings("PLAIN", jaasPlain("plain-user", "plain-secret")),
		kgo.DialTLSConfig(tlsTo(t, false)), kgo.SASL(plain.Auth{User: "plain-user", Pass: "plain-secret"}.AsMechanism()))
}

// SCRAM-SHA-512 with a password full of JAAS and properties syntax, and a
// PKCS12 truststore.
func TestSecuritySASLSSLScramSpecialPassword(t *testing.T) {
	settings := []setting{
		{"security.protocol", "SASL_SSL"},
		{"sasl.mechanism", "SCRAM-SHA-512"},
		{"sasl.jaas.config", jaasScram("scram-special", specialPassword)},
		{"ssl.truststore.type", "PKCS12"},
		{"ssl.truststore.location", secFile("truststore.p12")},
		{"ssl.truststore.password", truststorePassword},
	}
	securedRatings(t, saslSSLAddr, settings,
		kgo.DialTLSConfig(tlsTo(t, false)), kgo.SASL(scram.Auth{User: "scram-special", Pass: specialPassword}.AsSha512Mechanism()))
}

// A sink consumes over SASL_SSL: FileStreamSink with its consumer.
// settings, SCRAM-SHA-512, every line written.
func TestSecuritySinkOverSASLSSL(t *testing.T) {
	topic := uniqueName(t, "lines")
	const n = 500
	cl, err := kgo.NewClient(kgo.SeedBrokers(saslSSLAddr), kgo.DefaultProduceTopic(topic), kgo.AllowAutoTopicCreation(),
		kgo.DialTLSConfig(tlsTo(t, false)), kgo.SASL(plain.Auth{User: "plain-user", Pass: "plain-secret"}.AsMechanism()))
	if err != nil {
		t.Fatal(err)
	}
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Value: []byte(fmt.Sprintf("line-%d", i))}
	}
	if err := cl.ProduceSync(t.Context(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	out := filepath.Join(t.TempDir(), "sink.txt")
	settings := saslSSLSettings("SCRAM-SHA-512", jaasScram("scram-special", specialPassword))
	w, _ := standaloneWorker(t, saslSSLAddr, scoped(settings)+"value.converter=org.apache.kafka.connect.storage.StringConverter\n",
		fmt.Sprintf(`{"name":%q,"config":{"connector.class":"FileStreamSink","topics":%q,"file":%q,"tasks.max":"1"}}`,
			uniqueName(t, "sink"), topic, out))
	var got []string
	waitUntil(t, 60*time.Second, "every line in the sink's file", func() bool {
		data, _ := os.ReadFile(out)
		got = strings.Fields(string(data))
		return len(got) >= n
	})
	for i, line := range got {
		if line != fmt.Sprintf("line-%d", i) {
			t.Fatalf("line %d is %q", i, line)
		}
	}
	if len(got) != n {
		t.Fatalf("%d lines, want %d", len(got), n)
	}
	w.stop(t, 20*time.Second)
}

func TestSecuritySASLPlaintextScram256(t *testing.T) {
	settings := []setting{
		{"security.protocol", "SASL_PLAINTEXT"},
		{"sasl.mechanism", "SCRAM-SHA-256"},
		{"sasl.jaas.config", jaasScram("scram-user", "scram-secret")},
	}
	securedRatings(t, saslPlaintextAddr, settings, kgo.SASL(scram.Auth{User: "scram-user", Pass: "scram-secret"}.AsSha256Mechanism()))
}

// The SSL listener requires a client certificate: each keystore format a
// Java user has.
// continued writes a multi-line value as continued .properties lines.
func continued(v string) string {
	return rawMark + strings.ReplaceAll(v, "\n", " \\\n    ")
}

func TestSecuritySSLClientCertificate(t *testing.T) {
	pemLines := func(file string) string {
		b, err := os.ReadFile(secFile(file))
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSpace(string(b))
	}
	cases := map[string][]setting{
		"JKS": {
			{"ssl.keystore.location", secFile("client.jks")},
			{"ssl.keystore.password", clientPassword},
			{"ssl.key.password", clientKeyPassword},
			{"ssl.truststore.location", secFile("truststore.jks")},
			{"ssl.truststore.password", truststorePassword},
		},
		"PKCS12": {
			{"ssl.keystore.type", "PKCS12"},
			{"ssl.keystore.location", secFile("client.p12")},
			{"ssl.keystore.password", clientPassword},
			{"ssl.truststore.type", "PKCS12"},
			{"ssl.truststore.location", secFile("truststore.p12")},
			{"ssl.truststore.password", truststorePassword},
		},
		"PEM-files": {
			{"ssl.keystore.type", "PEM"},
			{"ssl.keystore.location", secFile("client.keystore.pem")},
			{"ssl.truststore.type", "PEM"},
			{"ssl.truststore.location", secFile("truststore.pem")},
		},
		// Inline PEM, written as Confluent's documentation shows it: one
		// PEM line per .properties line, continued with a backslash (the
		// value then holds spaces where the line breaks were; Kafka's PEM
		// parser takes any whitespace).
		"PEM-inline-continued": {
			{"ssl.keystore.type", "PEM"},
			{"ssl.keystore.key", continued(pemLines("client.key"))},
			{"ssl.keystore.certificate.chain", continued(pemLines("client.chain.pem"))},
			{"ssl.truststore.type", "PEM"},
			{"ssl.truststore.certificates", continued(pemLines("ca.pem"))},
		},
		// Inline PEM with its line breaks (\n escapes in the file).
		"PEM-inline": {
			{"ssl.keystore.type", "PEM"},
			{"ssl.keystore.key", pemLines("client.key")},
			{"ssl.keystore.certificate.chain", pemLines("client.chain.pem")},
			{"ssl.truststore.type", "PEM"},
			{"ssl.truststore.certificates", pemLines("ca.pem")},
		},
	}
	for _, name := range []string{"JKS", "PKCS12", "PEM-files", "PEM-inline", "PEM-inline-continued"} {
		t.Run(name, func(t *testing.T) {
			settings := append([]setting{{"security.protocol", "SSL"}}, cases[name]...)
			securedRatings(t, sslAddr, settings, kgo.DialTLSConfig(tlsTo(t, true)))
		})
	}
}

// tokenEndpoint is an OAuth 2 token endpoint for the client-credentials
// grant, as Kafka's OAuthBearerLoginCallbackHandler calls it: tokens are
// RS256 JWTs signed with key, for the audience and issuer the broker
// expects.
type tokenEndpoint struct {
	*httptest.Server
	calls atomic.Int32
}

func newTokenEndpoint(t *testing.T, key *rsa.PrivateKey, clientID, clientSecret string) *tokenEndpoint {
	te := &tokenEndpoint{}
	te.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		te.calls.Add(1)
		if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("grant_type") != "client_credentials" {
			http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if id != clientID || secret != clientSecret {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad client credentials"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"access_token": signToken(t, key, id, time.Hour),
			"token_type":   "Bearer",
			"expires_in":   3600,
		})
	}))
	t.Cleanup(te.Close)
	return te
}

func oauthSettings(tokenURL, clientID, clientSecret string) []setting {
	return []setting{
		{"security.protocol", "SASL_PLAINTEXT"},
		{"sasl.mechanism", "OAUTHBEARER"},
		{"sasl.login.callback.handler.class", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler"},
		{"sasl.oauthbearer.token.endpoint.url", tokenURL},
		{"sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=" +
			jaasQuote(clientID) + " clientSecret=" + jaasQuote(clientSecret) + ` scope="kafka";`},
	}
}

// The worker fetches tokens from the test's token endpoint with its client
// credentials; the broker validates them against the JWKS of the key that
// signed them.
func TestSecurityOAuthBearer(t *testing.T) {
	key := oauthKey(t)
	te := newTokenEndpoint(t, key, "goconnect-worker", "t0ken-secret")
	securedRatings(t, oauthAddr, oauthSettings(te.URL+"/oauth2/token", "goconnect-worker", "t0ken-secret"),
		kgo.SASL(oauth.Oauth(func(context.Context) (oauth.Auth, error) {
			return oauth.Auth{Token: signToken(t, key, "reader", time.Hour)}, nil
		})))
	if te.calls.Load() == 0 {
		t.Fatal("the worker never called the token endpoint")
	}
}

// Each wrong credential or untrusted certificate is refused clearly and in
// time: a FAILED task with the reason in its trace, or a failed start.
func TestSecurityRefusesBadCredentials(t *testing.T) {
	rogueKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name      string
		bootstrap string
		settings  func(t *testing.T) []setting
		why       *regexp.Regexp
	}{
		{"SASL_SSL PLAIN wrong password", saslSSLAddr, func(*testing.T) []setting {
			return saslSSLSettings("PLAIN", jaasPlain("plain-user", "not-the-password"))
		}, authRefused},
		{"SASL_SSL SCRAM-SHA-512 wrong password", saslSSLAddr, func(*testing.T) []setting {
			return saslSSLSettings("SCRAM-SHA-512", jaasScram("scram-special", specialPassword[:len(specialPassword)-1]))
		}, authRefused},
		{"SASL_PLAINTEXT unknown SCRAM user", saslPlaintextAddr, func(*testing.T) []setting {
			return []setting{{"security.protocol", "SASL_PLAINTEXT"}, {"sasl.mechanism", "SCRAM-SHA-512"},
				{"sasl.jaas.config", jaasScram("nobody", "scram-secret")}}
		}, authRefused},
		{"SASL_SSL broker certificate not trusted", saslSSLAddr, func(*testing.T) []setting {
			s := saslSSLSettings("PLAIN", jaasPlain("plain-user", "plain-secret"))
			s[3].value = secFile("rogue-truststore.jks")
			return s
		}, tlsRefused},
		{"SSL client certificate from an untrusted CA", sslAddr, func(*testing.T) []setting {
			return []setting{{"security.protocol", "SSL"},
				{"ssl.keystore.type", "PKCS12"}, {"ssl.keystore.location", secFile("rogue-client.p12")}, {"ssl.keystore.password", clientPassword},
				{"ssl.truststore.type", "PEM"}, {"ssl.truststore.location", secFile("truststore.pem")}}
		}, tlsRefused},
		{"SSL without a client certificate", sslAddr, func(*testing.T) []setting {
			return []setting{{"security.protocol", "SSL"},
				{"ssl.truststore.type", "PEM"}, {"ssl.truststore.location", secFile("truststore.pem")}}
		}, tlsRefused},
		{"SSL wrong keystore password", sslAddr, func(*testing.T) []setting {
			return []setting{{"security.protocol", "SSL"},
				{"ssl.keystore.location", secFile("client.jks")}, {"ssl.keystore.password", "wrong-secret"}, {"ssl.key.password", clientKeyPassword},
				{"ssl.truststore.location", secFile("truststore.jks")}, {"ssl.truststore.password", truststorePassword}}
		}, regexp.MustCompile(`(?i)keystore|key store|password|integrity`)},
		{"OAUTHBEARER wrong client secret", oauthAddr, func(t *testing.T) []setting {
			te := newTokenEndpoint(t, oauthKey(t), "goconnect-worker", "t0ken-secret")
			return oauthSettings(te.URL+"/oauth2/token", "goconnect-worker", "wrong-secret")
		}, regexp.MustCompile(`(?i)token|401|invalid_client`)},
		{"OAUTHBEARER token signed by an unknown key", oauthAddr, func(t *testing.T) []setting {
			te := newTokenEndpoint(t, rogueKey, "goconnect-worker", "t0ken-secret")
			return oauthSettings(te.URL+"/oauth2/token", "goconnect-worker", "t0ken-secret")
		}, authRefused},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			refused(t, c.bootstrap, c.settings(t), c.why)
		})
	}
}
