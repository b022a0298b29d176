package mongodb

import (
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// The Java connector's SSLContext settings (1.10+, SslConfigs); TLS itself
// is switched on by connection.uri (tls=true, ssl=true, mongodb+srv://).
const (
	keySSLTruststore         = "connection.ssl.truststore"
	keySSLTruststorePassword = "connection.ssl.truststorePassword"
	keySSLKeystore           = "connection.ssl.keystore"
	keySSLKeystorePassword   = "connection.ssl.keystorePassword"
)

var sslNames = map[string]string{
	tlsconfig.TruststoreLocation: keySSLTruststore,
	tlsconfig.TruststorePassword: keySSLTruststorePassword,
	tlsconfig.KeystoreLocation:   keySSLKeystore,
	tlsconfig.KeystorePassword:   keySSLKeystorePassword,
	tlsconfig.KeyPassword:        keySSLKeystorePassword,
}

func defineSSL(d *config.Def) {
	for _, k := range []config.Key{
		{Name: keySSLTruststore, Type: config.TypeString, Doc: "A trust store certificate location to be used for SSL enabled connections"},
		{Name: keySSLTruststorePassword, Type: config.TypePassword, Doc: "A trust store password to be used for SSL enabled connections"},
		{Name: keySSLKeystore, Type: config.TypeString, Doc: "A key store certificate location to be used for SSL enabled connections"},
		{Name: keySSLKeystorePassword, Type: config.TypePassword, Doc: "A key store password to be used for SSL enabled connections"},
	} {
		k.Importance, k.Group = config.Medium, "SSL"
		d.Define(k)
	}
}

// clientOptions applies connection.uri (the Go driver reads its TLS
// options: tls/ssl, tlsCAFile, tlsCertificateKeyFile, tlsInsecure…) and
// then the connection.ssl.* stores: the trust store replaces the roots,
// the key store the client certificate. Stores without TLS in the URI are
// refused: the Java connector would then connect in plain text.
func clientOptions(props map[string]string) (*options.ClientOptions, error) {
	uri := strings.TrimSpace(props[keyURI])
	if uri == "" {
		uri = "mongodb://localhost:27017"
	}
	opts := options.Client().ApplyURI(uri)
	if err := opts.Validate(); err != nil {
		// The message never carries the URI itself (it may hold a password).
		return nil, &config.Error{Key: keyURI, Message: err.Error()}
	}
	trust := strings.TrimSpace(props[keySSLTruststore])
	key := strings.TrimSpace(props[keySSLKeystore])
	if trust == "" && key == "" {
		return opts, nil
	}
	if opts.TLSConfig == nil {
		k := keySSLTruststore
		if trust == "" {
			k = keySSLKeystore
		}
		return nil, &config.Error{Key: k, Message: k + " is set but connection.uri does not enable TLS: add tls=true to it (the connection would otherwise be in plain text)"}
	}
	ssl := map[string]string{}
	if trust != "" {
		ssl[tlsconfig.TruststoreLocation] = trust
		ssl[tlsconfig.TruststorePassword] = strings.TrimSpace(props[keySSLTruststorePassword])
	}
	if key != "" {
		pw := strings.TrimSpace(props[keySSLKeystorePassword])
		ssl[tlsconfig.KeystoreLocation], ssl[tlsconfig.KeystorePassword], ssl[tlsconfig.KeyPassword] = key, pw, pw
	}
	stores, err := tlsconfig.Client(ssl)
	if err != nil {
		return nil, tlsconfig.ConfigError(err, func(n string) string {
			if m, ok := sslNames[n]; ok {
				return m
			}
			return n
		}, keySSLTruststore)
	}
	cfg := opts.TLSConfig.Clone()
	if trust != "" {
		cfg.RootCAs = stores.RootCAs
	}
	if key != "" {
		cfg.Certificates = stores.Certificates
	}
	return opts.SetTLSConfig(cfg), nil
}

// tlsFailure explains an error that comes from a certificate, the
// server's or ours, which no retry can fix; nil for other errors (often a
// server selection timeout that lists each server's last error).
func tlsFailure(err error) error {
	switch {
	case tlsconfig.ServerCertRejected(err):
		return fmt.Errorf("MongoDB's TLS certificate was rejected, checked against %s (else tlsCAFile in connection.uri, else the system roots): %w", keySSLTruststore, err)
	case tlsconfig.ClientCertRejected(err):
		return fmt.Errorf("MongoDB refused the TLS client certificate (%s, else tlsCertificateKeyFile in connection.uri): %w", keySSLKeystore, err)
	}
	return nil
}
