// Package tlsconfig builds a *tls.Config from the Java-style ssl.* settings
// that Kafka clients, Connect's REST listeners and connectors share
// (ssl.truststore.*, ssl.keystore.*, ssl.key.password,
// ssl.endpoint.identification.algorithm, ssl.enabled.protocols,
// ssl.protocol, ssl.client.auth).
//
// Callers pass the settings UNPREFIXED: whoever reads "producer.ssl.…",
// "listeners.https.ssl.…" or "database.ssl.…" strips the prefix first, so one
// set of rules (Kafka's DefaultSslEngineFactory rules) applies everywhere.
//
// Stores: JKS, PKCS12 and PEM, from files (ssl.*.location) or inline PEM
// (ssl.truststore.certificates, ssl.keystore.key with
// ssl.keystore.certificate.chain). Like the JVM since Java 9, a JKS or PKCS12
// store is recognised by its content, so a .p12 file declared as JKS loads.
// Every error names the setting and, for files, the file.
package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
)

// Setting names, as Kafka spells them.
const (
	TruststoreType         = "ssl.truststore.type"
	TruststoreLocation     = "ssl.truststore.location"
	TruststorePassword     = "ssl.truststore.password"
	TruststoreCertificates = "ssl.truststore.certificates"
	KeystoreType           = "ssl.keystore.type"
	KeystoreLocation       = "ssl.keystore.location"
	KeystorePassword       = "ssl.keystore.password"
	KeyPassword            = "ssl.key.password"
	KeystoreKey            = "ssl.keystore.key"
	KeystoreChain          = "ssl.keystore.certificate.chain"
	EndpointIdentification = "ssl.endpoint.identification.algorithm"
	EnabledProtocols       = "ssl.enabled.protocols"
	Protocol               = "ssl.protocol"
	ClientAuth             = "ssl.client.auth"
)

// Client returns the TLS configuration of a client (a Kafka client, an HTTP
// client to a schema registry or Elasticsearch, a database client). The
// server's chain is always verified, against the trust store or, without
// one, the system roots; its host name too unless
// ssl.endpoint.identification.algorithm is set to the empty string.
func Client(props map[string]string) (*tls.Config, error) {
	c, err := common(props)
	if err != nil {
		return nil, err
	}
	cfg := c.base()
	cfg.RootCAs = c.roots
	if len(c.certs) > 0 {
		cfg.Certificates = c.certs
	}
	if !c.checkHost {
		// crypto/tls verifies the chain and the name together; to keep the
		// chain check alone, skip the built-in one and redo it without a name.
		roots := c.roots
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			return verifyChain(cs.PeerCertificates, roots, x509.ExtKeyUsageServerAuth)
		}
	}
	return cfg, nil
}

// Server returns the TLS configuration of a server (Connect's HTTPS
// listener). A key store is required. ssl.client.auth decides whether client
// certificates are ignored (none, the default), verified when sent
// (requested) or demanded (required); they are verified against the trust
// store, or the system roots without one.
func Server(props map[string]string) (*tls.Config, error) {
	c, err := common(props)
	if err != nil {
		return nil, err
	}
	if len(c.certs) == 0 {
		return nil, fmt.Errorf("%s: a TLS server needs a key store (%s, or %s with %s)", KeystoreLocation, KeystoreLocation, KeystoreKey, KeystoreChain)
	}
	cfg := c.base()
	cfg.Certificates = c.certs
	cfg.ClientCAs = c.roots
	if cfg.ClientCAs == nil {
		pool, err := x509.SystemCertPool()
		if err != nil {
			return nil, fmt.Errorf("%s: no trust store set and the system roots cannot be read: %w", TruststoreLocation, err)
		}
		cfg.ClientCAs = pool
	}
	switch strings.ToLower(strings.TrimSpace(props[ClientAuth])) {
	case "", "none":
		cfg.ClientAuth = tls.NoClientCert
	case "requested":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		return nil, fmt.Errorf("%s: invalid value %q (expected none, requested or required)", ClientAuth, props[ClientAuth])
	}
	return cfg, nil
}

type settings struct {
	roots      *x509.CertPool // nil: system roots
	certs      []tls.Certificate
	checkHost  bool
	minVersion uint16
	maxVersion uint16
}

func (s settings) base() *tls.Config {
	return &tls.Config{MinVersion: s.minVersion, MaxVersion: s.maxVersion}
}

func common(props map[string]string) (settings, error) {
	s := settings{checkHost: true}
	switch alg := strings.TrimSpace(props[EndpointIdentification]); {
	case !has(props, EndpointIdentification), strings.EqualFold(alg, "https"):
	case alg == "":
		s.checkHost = false
	default:
		return s, fmt.Errorf("%s: unsupported value %q (expected https, or empty to turn host name checks off)", EndpointIdentification, alg)
	}
	var err error
	if s.minVersion, s.maxVersion, err = versions(props); err != nil {
		return s, err
	}
	if s.roots, err = loadTrust(props); err != nil {
		return s, err
	}
	if s.certs, err = loadKey(props); err != nil {
		return s, err
	}
	return s, nil
}

var protocolVersions = map[string]uint16{"TLSv1.2": tls.VersionTLS12, "TLSv1.3": tls.VersionTLS13}

// versions applies Kafka's rules: ssl.enabled.protocols (default
// TLSv1.2,TLSv1.3) lists the versions allowed; ssl.protocol=TLSv1.2 caps them
// at 1.2 ("clients will not use TLSv1.3 even if it is one of the values in
// ssl.enabled.protocols"). Versions older than 1.2 are refused, not offered.
func versions(props map[string]string) (uint16, uint16, error) {
	var lo, hi uint16
	enabled := "TLSv1.2,TLSv1.3"
	if has(props, EnabledProtocols) {
		enabled = props[EnabledProtocols]
	}
	for _, p := range strings.Split(enabled, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, ok := protocolVersions[p]
		if !ok {
			return 0, 0, fmt.Errorf("%s: unsupported protocol %q (supported: TLSv1.2, TLSv1.3)", EnabledProtocols, p)
		}
		if lo == 0 || v < lo {
			lo = v
		}
		if v > hi {
			hi = v
		}
	}
	if lo == 0 {
		return 0, 0, fmt.Errorf("%s: no protocol enabled", EnabledProtocols)
	}
	switch p := strings.TrimSpace(props[Protocol]); p {
	case "", "TLS", "TLSv1.3":
	case "TLSv1.2":
		if lo > tls.VersionTLS12 {
			return 0, 0, fmt.Errorf("%s: TLSv1.2 but %s allows only %s", Protocol, EnabledProtocols, enabled)
		}
		hi = tls.VersionTLS12
	default:
		return 0, 0, fmt.Errorf("%s: unsupported protocol %q (supported: TLSv1.2, TLSv1.3, TLS)", Protocol, p)
	}
	return lo, hi, nil
}

// verifyChain checks a peer's chain against roots (nil: system roots)
// without looking at its name.
func verifyChain(chain []*x509.Certificate, roots *x509.CertPool, usage x509.ExtKeyUsage) error {
	if len(chain) == 0 {
		return errors.New("tls: peer sent no certificate")
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool(), KeyUsages: []x509.ExtKeyUsage{usage}}
	for _, c := range chain[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := chain[0].Verify(opts); err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	return nil
}

func has(props map[string]string, key string) bool {
	_, ok := props[key]
	return ok
}
