package elasticsearch

import (
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// sslPrefix is Confluent's SSL_CONFIG_PREFIX: Kafka's client ssl.* settings
// embedded under it.
const sslPrefix = "elastic.https."

func defineSSL(d *config.Def) *config.Def { return tlsconfig.DefineClient(d, sslPrefix, "Security") }

// sslProps are the elastic.https.* settings the user wrote, unprefixed, as
// Confluent's sslConfigs(): an empty store location drops the store's other
// settings.
func sslProps(props map[string]string) map[string]string {
	out := tlsconfig.Unprefixed(props, sslPrefix)
	if strings.TrimSpace(out[tlsconfig.KeystoreLocation]) == "" {
		for _, k := range []string{tlsconfig.KeystoreLocation, tlsconfig.KeystorePassword, tlsconfig.KeyPassword, tlsconfig.KeystoreType} {
			delete(out, k)
		}
	}
	if strings.TrimSpace(out[tlsconfig.TruststoreLocation]) == "" {
		for _, k := range []string{tlsconfig.TruststoreLocation, tlsconfig.TruststorePassword, tlsconfig.TruststoreType} {
			delete(out, k)
		}
	}
	return out
}

// checkSSL adds Confluent's Validator messages about SSL, plus goconnect's
// refusals: settings it cannot honour, and plain http:// URLs when SSL was
// asked for (Confluent would send those in plain text).
func checkSSL(v *config.Values, add func(key, msg string)) {
	raw := v.Raw()
	ssl := sslProps(raw)
	if !strings.EqualFold(v.String(keySecurityProtocol), "SSL") {
		if len(ssl) > 0 {
			add(keySecurityProtocol, "'elastic.security.protocol' must be set to 'SSL' to use SSL configs.")
		}
		return
	}
	if len(ssl) == 0 {
		add(keySecurityProtocol, "At least these SSL configs ('elastic.https.ssl.keystore.location', 'elastic.https.ssl.keystore.password', "+
			"'elastic.https.ssl.truststore.location', and 'elastic.https.ssl.truststore.password') must be present for SSL support. "+
			"Otherwise set 'elastic.security.protocol' to 'PLAINTEXT'.")
	}
	for _, k := range tlsconfig.Unsupported(ssl) {
		add(sslPrefix+k, "'"+sslPrefix+k+"' is not supported by goconnect.")
	}
	for _, u := range v.List(keyURL) {
		if u = strings.TrimSpace(u); u != "" && !strings.HasPrefix(strings.ToLower(u), "https:") {
			add(keyURL, fmt.Sprintf("'elastic.security.protocol' is SSL but %s is not an https:// URL; goconnect does not send to it in plain text.", u))
			break
		}
	}
	// Stores that cannot be read are reported on their keys.
	if _, err := clientTLS(raw, true); err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			add(ce.Key, ce.Message)
		}
	}
}

// clientTLS is the TLS configuration for https:// URLs: with
// elastic.security.protocol=SSL from elastic.https.ssl.*, else the system
// roots with host name verification (the JVM's defaults).
func clientTLS(props map[string]string, ssl bool) (*tls.Config, error) {
	if !ssl {
		return tlsconfig.Client(nil)
	}
	cfg, err := tlsconfig.Client(sslProps(props))
	if err != nil {
		return nil, tlsconfig.ConfigError(err, tlsconfig.Prefix(sslPrefix), keySecurityProtocol)
	}
	return cfg, nil
}

// tlsFailure explains an error that comes from a certificate, the
// server's or ours, which no retry can fix; nil for other errors.
func tlsFailure(err error, ssl bool) error {
	if tlsconfig.ClientCertRejected(err) {
		return fmt.Errorf("the Elasticsearch server refused the TLS client certificate (elastic.https.ssl.keystore.*): %w", err)
	}
	if !tlsconfig.ServerCertRejected(err) {
		return nil
	}
	trust := "the system's trusted roots (set elastic.security.protocol=SSL with elastic.https.ssl.truststore.* to trust another CA)"
	if ssl {
		trust = "elastic.https.ssl.truststore.* (or the system roots without a trust store); host names are checked unless elastic.https.ssl.endpoint.identification.algorithm is empty"
	}
	return fmt.Errorf("the Elasticsearch server's TLS certificate was rejected, checked against %s: %w", trust, err)
}
