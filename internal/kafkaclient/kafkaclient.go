// Package kafkaclient translates the connection and security settings of a
// Java Kafka client (security.protocol, sasl.*, ssl.*, bootstrap.servers),
// given UNPREFIXED, into franz-go client options. The runtime uses it for the
// worker's own clients and the task clients, plugins for theirs (Debezium's
// schema history); each caller decides which settings apply to which client
// (Connect's scoping lives with the callers, not here).
//
// Supported: PLAINTEXT, SSL, SASL_PLAINTEXT and SASL_SSL; SASL mechanisms
// PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER (Kafka's client-credentials
// login callback handler, or unsecured tokens) and AWS_MSK_IAM. GSSAPI
// (Kerberos) is refused. Anything contradictory or unknown is an error that
// names the setting; no setting ever falls back to PLAINTEXT.
package kafkaclient

import (
	"fmt"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// Setting names, as Kafka spells them.
const (
	BootstrapServers             = "bootstrap.servers"
	SecurityProtocol             = "security.protocol"
	SASLMechanism                = "sasl.mechanism"
	SASLJAASConfig               = "sasl.jaas.config"
	SASLLoginCallbackHandler     = "sasl.login.callback.handler.class"
	SASLClientCallbackHandler    = "sasl.client.callback.handler.class"
	SASLKerberosServiceName      = "sasl.kerberos.service.name"
	OAuthTokenEndpointURL        = "sasl.oauthbearer.token.endpoint.url"
	OAuthScopeClaimName          = "sasl.oauthbearer.scope.claim.name"
	OAuthSubClaimName            = "sasl.oauthbearer.sub.claim.name"
	OAuthClientID                = "sasl.oauthbearer.client.credentials.client.id"
	OAuthClientSecret            = "sasl.oauthbearer.client.credentials.client.secret"
	OAuthScope                   = "sasl.oauthbearer.scope"
	OAuthHeaderURLEncode         = "sasl.oauthbearer.header.urlencode"
	OAuthJWTRetrieverClass       = "sasl.oauthbearer.jwt.retriever.class"
	LoginRefreshWindowFactor     = "sasl.login.refresh.window.factor"
	LoginRefreshWindowJitter     = "sasl.login.refresh.window.jitter"
	LoginRefreshMinPeriodSeconds = "sasl.login.refresh.min.period.seconds"
	LoginRefreshBufferSeconds    = "sasl.login.refresh.buffer.seconds"
	LoginConnectTimeoutMs        = "sasl.login.connect.timeout.ms"
	LoginReadTimeoutMs           = "sasl.login.read.timeout.ms"
)

// Mechanisms and the login module each one takes.
const (
	mechPlain     = "PLAIN"
	mechScram256  = "SCRAM-SHA-256"
	mechScram512  = "SCRAM-SHA-512"
	mechOAuth     = "OAUTHBEARER"
	mechMSKIAM    = "AWS_MSK_IAM"
	mechGSSAPI    = "GSSAPI"
	modulePlain   = "org.apache.kafka.common.security.plain.PlainLoginModule"
	moduleScram   = "org.apache.kafka.common.security.scram.ScramLoginModule"
	moduleOAuth   = "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule"
	moduleMSKIAM  = "software.amazon.msk.auth.iam.IAMLoginModule"
	handlerMSKIAM = "software.amazon.msk.auth.iam.IAMClientCallbackHandler"
)

var loginModules = map[string]string{
	mechPlain: modulePlain, mechScram256: moduleScram, mechScram512: moduleScram,
	mechOAuth: moduleOAuth, mechMSKIAM: moduleMSKIAM,
}

// Options returns the franz-go options for a client configured with props
// (unprefixed Java client settings). bootstrap.servers, when set, becomes
// the seed brokers, so it must come after any default seeds the caller adds.
// Errors name the setting, as "sasl.mechanism: …".
//
// onFatal, when not nil, is called once with the first connection error that
// no retry can fix (rejected credentials, an untrusted certificate; see
// OnFatal): the caller fails its task or its start with it, as the Java
// client fails on an authentication exception instead of retrying.
func Options(props map[string]string, onFatal func(error)) ([]kgo.Opt, error) {
	var opts []kgo.Opt
	if s := strings.TrimSpace(props[BootstrapServers]); s != "" {
		var seeds []string
		for _, b := range strings.Split(s, ",") {
			if b = strings.TrimSpace(b); b != "" {
				seeds = append(seeds, b)
			}
		}
		opts = append(opts, kgo.SeedBrokers(seeds...))
	}
	proto := strings.ToUpper(strings.TrimSpace(props[SecurityProtocol]))
	var useTLS, useSASL bool
	switch proto {
	case "", "PLAINTEXT":
		proto = "PLAINTEXT"
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useTLS, useSASL = true, true
	default:
		return nil, fmt.Errorf("%s: unknown value %q (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)", SecurityProtocol, props[SecurityProtocol])
	}
	if !useSASL {
		// Java would ignore these; a user who wrote them meant SASL, and
		// connecting without it would be the silent downgrade we refuse.
		for _, k := range []string{SASLMechanism, SASLJAASConfig, SASLLoginCallbackHandler, SASLClientCallbackHandler} {
			if strings.TrimSpace(props[k]) != "" {
				return nil, fmt.Errorf("%s: set, but %s is %s; use SASL_PLAINTEXT or SASL_SSL", k, SecurityProtocol, proto)
			}
		}
	}
	if useTLS {
		cfg, err := tlsconfig.Client(props)
		if err != nil {
			return nil, err
		}
		opts = append(opts, kgo.DialTLSConfig(cfg))
	}
	var watch *saslWatch
	if useSASL {
		mech, err := mechanism(props)
		if err != nil {
			return nil, err
		}
		if onFatal != nil {
			watch = &saslWatch{Mechanism: mech}
			mech = watch
		}
		opts = append(opts, kgo.SASL(mech))
	}
	if onFatal != nil {
		opts = append(opts, kgo.WithHooks(&fatalHook{fn: onFatal, sasl: watch}))
	}
	return opts, nil
}

// Prefixed is Options for the settings under prefix (such as "producer."
// or "schema.history.internal.producer."); errors name the prefixed key.
func Prefixed(props map[string]string, prefix string, onFatal func(error)) ([]kgo.Opt, error) {
	opts, err := Options(Strip(props, prefix), onFatal)
	if err != nil {
		return nil, fmt.Errorf("%s%w", prefix, err)
	}
	return opts, nil
}

// Strip returns the settings under prefix with the prefix removed.
func Strip(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if rest, ok := strings.CutPrefix(k, prefix); ok && rest != "" {
			out[rest] = v
		}
	}
	return out
}

// Describe names the security a client uses, for logs: "SASL_SSL/SCRAM-SHA-512".
func Describe(props map[string]string) string {
	proto := strings.ToUpper(strings.TrimSpace(props[SecurityProtocol]))
	if proto == "" {
		proto = "PLAINTEXT"
	}
	if strings.HasPrefix(proto, "SASL_") {
		m := strings.ToUpper(strings.TrimSpace(props[SASLMechanism]))
		if m == "" {
			m = mechGSSAPI
		}
		return proto + "/" + m
	}
	return proto
}

func mechanism(props map[string]string) (sasl.Mechanism, error) {
	name := strings.ToUpper(strings.TrimSpace(props[SASLMechanism]))
	switch name {
	case "", mechGSSAPI:
		// GSSAPI is Kafka's default mechanism.
		return nil, fmt.Errorf("%s: GSSAPI (Kerberos, Kafka's default when %s is unset) is not supported by goconnect; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER or AWS_MSK_IAM", SASLMechanism, SASLMechanism)
	case mechPlain, mechScram256, mechScram512, mechOAuth, mechMSKIAM:
	default:
		return nil, fmt.Errorf("%s: unknown mechanism %q (supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, AWS_MSK_IAM)", SASLMechanism, props[SASLMechanism])
	}
	raw := props[SASLJAASConfig]
	if strings.TrimSpace(raw) == "" {
		return nil, fmt.Errorf("%s: missing; SASL mechanism %s needs a login module (for the worker's settings, a KafkaClient entry in the JAAS file of -Djava.security.auth.login.config also serves)", SASLJAASConfig, name)
	}
	modules, err := jaas.ParseConfig(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", SASLJAASConfig, err)
	}
	if len(modules) != 1 {
		// Kafka: "JAAS config property contains N login modules, should be 1 module".
		return nil, fmt.Errorf("%s: JAAS config property contains %d login modules, should be 1 module", SASLJAASConfig, len(modules))
	}
	m := modules[0]
	if want := loginModules[name]; m.Class != want {
		return nil, fmt.Errorf("%s: login module %s does not match %s=%s (expected %s)", SASLJAASConfig, m.Class, SASLMechanism, name, want)
	}
	if h := strings.TrimSpace(props[SASLClientCallbackHandler]); h != "" && !(name == mechMSKIAM && h == handlerMSKIAM) {
		return nil, fmt.Errorf("%s: custom callback handler %s is not supported", SASLClientCallbackHandler, h)
	}
	if name != mechOAuth {
		if h := strings.TrimSpace(props[SASLLoginCallbackHandler]); h != "" {
			return nil, fmt.Errorf("%s: %s is not supported with %s=%s", SASLLoginCallbackHandler, h, SASLMechanism, name)
		}
	}
	switch name {
	case mechPlain, mechScram256, mechScram512:
		user, pass := m.Options["username"], m.Options["password"]
		if user == "" {
			return nil, fmt.Errorf("%s: %s option username missing", SASLJAASConfig, m.Class)
		}
		if _, ok := m.Options["password"]; !ok {
			return nil, fmt.Errorf("%s: %s option password missing", SASLJAASConfig, m.Class)
		}
		switch name {
		case mechPlain:
			return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
		case mechScram256:
			return scram.Auth{User: user, Pass: pass, IsToken: isTrue(m.Options["tokenauth"])}.AsSha256Mechanism(), nil
		default:
			return scram.Auth{User: user, Pass: pass, IsToken: isTrue(m.Options["tokenauth"])}.AsSha512Mechanism(), nil
		}
	case mechOAuth:
		return oauthMechanism(props, m)
	default:
		return mskMechanism(props, m)
	}
}

func isTrue(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "true") }
