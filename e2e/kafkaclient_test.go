//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/kafkaclient"
)

// jaasQuote writes a JAAS string value.
func jaasQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// roundTrip produces one record through a client built from Java client
// settings and reads it back with the same settings; an authentication
// failure ends it at once.
func roundTrip(t *testing.T, seed string, props map[string]string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	opts, err := kafkaclient.Options(props, fail)
	if err != nil {
		t.Fatalf("settings refused: %v", err)
	}
	topic := "kafkaclient-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '-'
	}, strings.ToLower(t.Name()[strings.LastIndex(t.Name(), "/")+1:]))
	value := time.Now().Format(time.RFC3339Nano)
	prod, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seed), kgo.AllowAutoTopicCreation(), kgo.DefaultProduceTopic(topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	if err := prod.ProduceSync(ctx, &kgo.Record{Value: []byte(value)}).FirstErr(); err != nil {
		if c := context.Cause(ctx); c != nil {
			return c
		}
		return err
	}
	cons, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(seed), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cons.Close()
	for {
		fs := cons.PollFetches(ctx)
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		found := false
		fs.EachRecord(func(r *kgo.Record) { found = found || string(r.Value) == value })
		if found {
			return nil
		}
	}
}

// Java client settings, as users write them, reach every secured listener
// of the real broker through internal/kafkaclient: each store format and
// mechanism, the special password, and OAUTHBEARER with tokens fetched
// from a client-credentials endpoint; refusals come back at once with the
// broker's reason.
func TestKafkaClientSettingsAgainstSecuredBroker(t *testing.T) {
	key := oauthKey(t)
	read := func(name string) string {
		b, err := os.ReadFile(secFile(name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	scram := func(mech, user, pass string) map[string]string {
		return map[string]string{"sasl.mechanism": mech,
			"sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required username=" + jaasQuote(user) + " password=" + jaasQuote(pass) + ";"}
	}
	with := func(maps ...map[string]string) map[string]string {
		out := map[string]string{}
		for _, m := range maps {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	jksTrust := map[string]string{"ssl.truststore.location": secFile("truststore.jks"), "ssl.truststore.password": "truststore-secret"}
	p12Trust := map[string]string{"ssl.truststore.type": "PKCS12", "ssl.truststore.location": secFile("truststore.p12"), "ssl.truststore.password": "truststore-secret"}
	pemTrust := map[string]string{"ssl.truststore.type": "PEM", "ssl.truststore.certificates": read("ca.pem")}

	// The token endpoint Kafka's OAuthBearerLoginCallbackHandler would call.
	var tokenRequests atomic.Int32
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokenRequests.Add(1)
		id, secret, ok := r.BasicAuth()
		if !ok || id != "connect" || secret != "idp-secret" || r.PostFormValue("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": signToken(t, key, "connect-worker", time.Hour), "token_type": "bearer"})
	}))
	defer idp.Close()
	oauth := map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "OAUTHBEARER",
		"sasl.login.callback.handler.class":   "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler",
		"sasl.oauthbearer.token.endpoint.url": idp.URL,
		"sasl.jaas.config":                    `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="connect" clientSecret="idp-secret" scope="kafka";`}

	ok := map[string]struct {
		seed  string
		props map[string]string
	}{
		"SASL_SSL SCRAM-SHA-512 special password, JKS trust": {saslSSLAddr, with(map[string]string{"security.protocol": "SASL_SSL"}, scram("SCRAM-SHA-512", "scram-special", specialPassword), jksTrust)},
		"SASL_SSL PLAIN special password, PKCS12 trust": {saslSSLAddr, with(map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN",
			"sasl.jaas.config": "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"plain-special\" password=" + jaasQuote(specialPassword) + ";"}, p12Trust)},
		"SASL_SSL SCRAM-SHA-256, inline PEM trust":   {saslSSLAddr, with(map[string]string{"security.protocol": "SASL_SSL"}, scram("SCRAM-SHA-256", "scram-user", "scram-secret"), pemTrust)},
		"SASL_PLAINTEXT SCRAM-SHA-512":               {saslPlaintextAddr, with(map[string]string{"security.protocol": "SASL_PLAINTEXT"}, scram("SCRAM-SHA-512", "scram-user", "scram-secret"))},
		"SSL client certificate, JKS key store":      {sslAddr, with(map[string]string{"security.protocol": "SSL", "ssl.keystore.location": secFile("client.jks"), "ssl.keystore.password": "client-secret", "ssl.key.password": "client-key-secret"}, jksTrust)},
		"SSL client certificate, PKCS12 key store":   {sslAddr, with(map[string]string{"security.protocol": "SSL", "ssl.keystore.type": "PKCS12", "ssl.keystore.location": secFile("client.p12"), "ssl.keystore.password": "client-secret"}, p12Trust)},
		"SSL client certificate, encrypted PEM key":  {sslAddr, with(map[string]string{"security.protocol": "SSL", "ssl.keystore.type": "PEM", "ssl.keystore.key": read("client.key.enc.pem"), "ssl.key.password": "client-key-secret", "ssl.keystore.certificate.chain": read("client.chain.pem")}, pemTrust)},
		"SSL client certificate, PEM key store file": {sslAddr, with(map[string]string{"security.protocol": "SSL", "ssl.keystore.type": "PEM", "ssl.keystore.location": secFile("client.keystore.pem"), "ssl.truststore.type": "PEM", "ssl.truststore.location": secFile("truststore.pem")})},
		"OAUTHBEARER client credentials":             {oauthAddr, oauth},
	}
	for name, c := range ok {
		t.Run(name, func(t *testing.T) {
			if err := roundTrip(t, c.seed, c.props); err != nil {
				t.Fatalf("round trip: %v", err)
			}
		})
	}
	// Two clients (producer, consumer), several connections: one token.
	if n := tokenRequests.Load(); n != 1 {
		t.Errorf("%d token requests, want 1 (cached)", n)
	}

	refused := map[string]struct {
		seed  string
		props map[string]string
		want  string
	}{
		"wrong SCRAM password":    {saslSSLAddr, with(map[string]string{"security.protocol": "SASL_SSL"}, scram("SCRAM-SHA-512", "scram-user", "wrong"), jksTrust), "SCRAM-SHA-512"},
		"untrusted broker":        {saslSSLAddr, with(map[string]string{"security.protocol": "SASL_SSL", "ssl.truststore.location": secFile("rogue-truststore.jks"), "ssl.truststore.password": "truststore-secret"}, scram("SCRAM-SHA-512", "scram-user", "scram-secret")), "certificate"},
		"no client certificate":   {sslAddr, with(map[string]string{"security.protocol": "SSL"}, jksTrust), "tls"},
		"token of another client": {oauthAddr, with(oauth, map[string]string{"sasl.jaas.config": `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId="connect" clientSecret="nope";`}), "401"},
		"plain text to SASL_SSL":  {saslSSLAddr, map[string]string{}, "TLS"},
	}
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			err := roundTrip(t, c.seed, c.props)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one mentioning %q", err, c.want)
			}
			if !errors.Is(err, kafkaclient.ErrAuthentication) {
				t.Fatalf("not reported as an authentication failure: %v", err)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Fatalf("refusal took %v", d)
			}
			t.Logf("refused after %v: %v", time.Since(start).Round(time.Millisecond), err)
		})
	}
}
