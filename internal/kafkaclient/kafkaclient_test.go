package kafkaclient

import (
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/testkit"
)

// produce sends one record with opts and returns the error, bounded by d;
// an authentication or TLS failure ends it at once (OnFatal), as it ends a
// task.
func produce(t *testing.T, seeds string, d time.Duration, opts func(func(error)) []kgo.Opt) error {
	t.Helper()
	ctx, cancel := context.WithTimeoutCause(context.Background(), d, errors.New("timed out"))
	defer cancel()
	ctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(strings.Split(seeds, ",")...), kgo.AllowAutoTopicCreation(),
		kgo.DefaultProduceTopic("t")}, opts(fail)...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		return context.Cause(ctx)
	}
	return nil
}

// with returns the options of props for produce, failing the test on a
// setting error.
func with(t *testing.T, props map[string]string) func(func(error)) []kgo.Opt {
	t.Helper()
	if _, err := Options(props, nil); err != nil {
		t.Fatal(err)
	}
	return func(onFatal func(error)) []kgo.Opt {
		opts, _ := Options(props, onFatal)
		return opts
	}
}

func TestSASLOverTLSAgainstBroker(t *testing.T) {
	for _, mech := range []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"} {
		t.Run(mech, func(t *testing.T) {
			// A password with the characters users trip over in JAAS.
			pass := `p"a;s=s \w'o/rd`
			b := testkit.SecureBroker(t, mech, "connect", pass)
			if err := produce(t, b.Bootstrap, 20*time.Second, with(t, b.Client)); err != nil {
				t.Fatalf("produce over SASL_SSL/%s: %v", mech, err)
			}

			// The same broker refuses a wrong password, promptly and clearly.
			bad := maps.Clone(b.Client)
			bad[SASLJAASConfig] = testkit.JAASConfig(mech, "connect", "wrong")
			start := time.Now()
			err := produce(t, b.Bootstrap, 20*time.Second, with(t, bad))
			if !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), mech) {
				t.Fatalf("wrong password: %v", err)
			}
			if time.Since(start) > 15*time.Second {
				t.Fatalf("wrong password took %v to fail", time.Since(start))
			}

			if mech != "PLAIN" {
				return // the rest does not depend on the mechanism
			}
			// TLS alone (no SASL) is not enough for this broker; the client
			// says so instead of retrying forever.
			tlsOnly := map[string]string{SecurityProtocol: "SSL", "ssl.truststore.type": "PEM", "ssl.truststore.location": b.CAFile}
			if err := produce(t, b.Bootstrap, 20*time.Second, with(t, tlsOnly)); !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), "SASL") {
				t.Fatalf("without SASL: %v", err)
			}
			// A client that does not trust the broker's CA fails at once.
			untrusted := maps.Clone(b.Client)
			delete(untrusted, "ssl.truststore.location")
			delete(untrusted, "ssl.truststore.type")
			err = produce(t, b.Bootstrap, 20*time.Second, with(t, untrusted))
			if !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), "certificate") {
				t.Fatalf("untrusted broker certificate: %v", err)
			}
			// Plain text to the TLS listener is refused too.
			if err := produce(t, b.Bootstrap, 20*time.Second, with(t, map[string]string{})); !errors.Is(err, ErrAuthentication) || !strings.Contains(err.Error(), "TLS") {
				t.Fatalf("plain text to a TLS listener: %v", err)
			}
		})
	}
}

func TestSettingErrorsNameTheKey(t *testing.T) {
	plainJAAS := testkit.JAASConfig("PLAIN", "u", "p")
	for _, c := range []struct {
		props map[string]string
		want  string
	}{
		{map[string]string{SecurityProtocol: "TLS"}, "security.protocol: unknown value"},
		{map[string]string{SecurityProtocol: "SASL_SSL"}, "sasl.mechanism: GSSAPI"},
		{map[string]string{SecurityProtocol: "SASL_PLAINTEXT", SASLMechanism: "GSSAPI", SASLJAASConfig: "x required;"}, "sasl.mechanism: GSSAPI"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-1"}, "sasl.mechanism: unknown mechanism"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "PLAIN"}, "sasl.jaas.config: missing"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-512", SASLJAASConfig: plainJAAS}, "sasl.jaas.config: login module org.apache.kafka.common.security.plain.PlainLoginModule does not match sasl.mechanism=SCRAM-SHA-512"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "PLAIN", SASLJAASConfig: `org.apache.kafka.common.security.plain.PlainLoginModule required username="u"`}, "sasl.jaas.config: JAAS config entry not terminated by semi-colon"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "PLAIN", SASLJAASConfig: plainJAAS + plainJAAS}, "contains 2 login modules"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "PLAIN", SASLJAASConfig: `org.apache.kafka.common.security.plain.PlainLoginModule required password="p";`}, "option username missing"},
		{map[string]string{SASLJAASConfig: plainJAAS}, "sasl.jaas.config: set, but security.protocol is PLAINTEXT"},
		{map[string]string{SecurityProtocol: "SSL", SASLMechanism: "PLAIN"}, "sasl.mechanism: set, but security.protocol is SSL"},
		{map[string]string{SecurityProtocol: "SSL", "ssl.truststore.location": "/nonexistent/ts.jks"}, "ssl.truststore.location"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "PLAIN", SASLJAASConfig: plainJAAS, SASLClientCallbackHandler: "com.example.Handler"}, "sasl.client.callback.handler.class"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "OAUTHBEARER", SASLJAASConfig: moduleOAuth + " required;", SASLLoginCallbackHandler: "com.example.Login"}, "sasl.login.callback.handler.class: com.example.Login is not supported"},
		{map[string]string{SecurityProtocol: "SASL_SSL", SASLMechanism: "AWS_MSK_IAM", SASLJAASConfig: moduleMSKIAM + ` required awsRoleArn="arn:aws:iam::1:role/x";`}, "awsRoleArn"},
	} {
		_, err := Options(c.props, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.props, err, c.want)
		}
	}
	_, err := Prefixed(map[string]string{"producer.security.protocol": "SASL_SSL", "producer.sasl.mechanism": "PLAIN"}, "producer.", nil)
	if err == nil || !strings.HasPrefix(err.Error(), "producer.sasl.jaas.config: missing") {
		t.Fatalf("prefixed error: %v", err)
	}
	// Lower case is accepted, as Java upper-cases the protocol.
	if _, err := Options(map[string]string{SecurityProtocol: "plaintext"}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestDescribe(t *testing.T) {
	for props, want := range map[*map[string]string]string{
		{}:                        "PLAINTEXT",
		{SecurityProtocol: "ssl"}: "SSL",
		{SecurityProtocol: "SASL_SSL", SASLMechanism: "SCRAM-SHA-512"}: "SASL_SSL/SCRAM-SHA-512",
		{SecurityProtocol: "SASL_PLAINTEXT"}:                           "SASL_PLAINTEXT/GSSAPI",
	} {
		if got := Describe(*props); got != want {
			t.Errorf("Describe(%v) = %s, want %s", *props, got, want)
		}
	}
}
