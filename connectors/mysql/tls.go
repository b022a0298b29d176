package mysql

import (
	"crypto/tls"
	"strings"
	"sync/atomic"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// Debezium's TLS keys (the same in 1.x and 2.x).
const (
	keySSLMode               = "database.ssl.mode"
	keySSLKeystore           = "database.ssl.keystore"
	keySSLKeystorePassword   = "database.ssl.keystore.password"
	keySSLTruststore         = "database.ssl.truststore"
	keySSLTruststorePassword = "database.ssl.truststore.password"
)

// database.ssl.mode values, as MySQL's own --ssl-mode.
const (
	sslDisabled       = "disabled"
	sslPreferred      = "preferred"
	sslRequired       = "required"
	sslVerifyCA       = "verify_ca"
	sslVerifyIdentity = "verify_identity"
)

// mariaDBModes are the names Debezium 3.x's MariaDB connector gives the
// same modes (MariaDB Connector/J's); accepted for either class.
var mariaDBModes = map[string]string{
	"disable": sslDisabled, "trust": sslRequired, "verify-ca": sslVerifyCA, "verify-full": sslVerifyIdentity,
}

// sslNames maps the names tlsconfig reports to Debezium's. The key's own
// password is the store's: Debezium opens both with one password.
var sslNames = map[string]string{
	tlsconfig.TruststoreLocation: keySSLTruststore,
	tlsconfig.TruststorePassword: keySSLTruststorePassword,
	tlsconfig.KeystoreLocation:   keySSLKeystore,
	tlsconfig.KeystorePassword:   keySSLKeystorePassword,
	tlsconfig.KeyPassword:        keySSLKeystorePassword,
}

func defineTLS(d *config.Def) *config.Def {
	return d.
		Define(config.Key{Name: keySSLMode, Type: config.TypeString, Default: sslPreferred,
			Validator: config.OneOf(sslDisabled, sslPreferred, sslRequired, sslVerifyCA, sslVerifyIdentity, "disable", "trust", "verify-ca", "verify-full"), Importance: config.Medium,
			Doc: "Whether to use an encrypted connection to the database: 'disabled'; 'preferred' (the default) to use TLS when the server offers it and fall back to an unencrypted connection otherwise; 'required' to use TLS without verifying the server's certificate, and fail if the server does not offer it; 'verify_ca' like 'required' but also verify the server's certificate chain against the trust store; 'verify_identity' like 'verify_ca' but also verify that the certificate matches the database host name."}).
		Define(config.Key{Name: keySSLKeystore, Type: config.TypeString, Importance: config.Medium,
			Doc: "The location of the key store file (JKS or PKCS12) with the client certificate, for servers that require one."}).
		Define(config.Key{Name: keySSLKeystorePassword, Type: config.TypePassword, Importance: config.Medium,
			Doc: "The password for the key store file and its key. This is optional and only needed if 'database.ssl.keystore' is configured."}).
		Define(config.Key{Name: keySSLTruststore, Type: config.TypeString, Importance: config.Medium,
			Doc: "The location of the trust store file (JKS or PKCS12) for the server certificate verification; without it the system's roots."}).
		Define(config.Key{Name: keySSLTruststorePassword, Type: config.TypePassword, Importance: config.Medium,
			Doc: "The password for the trust store file. Used to check the integrity of the truststore, and unlock the truststore."})
}

// dbTLS is database.ssl.* resolved: the mode, and the TLS configuration
// for every connection (nil when disabled).
type dbTLS struct {
	mode       string
	config     *tls.Config
	truststore string // database.ssl.truststore, "" for the system roots
	// noServerTLS is set once a server asked under 'preferred' turned out
	// not to offer TLS: the binlog connection then goes plain as well, as
	// Debezium's does when its JDBC session has no TLS.
	noServerTLS atomic.Bool
}

// parseTLS reads database.ssl.*; a store that cannot be read is an error
// that names the key, in every mode that uses TLS.
func parseTLS(v *config.Values, host string) (*dbTLS, error) {
	t := &dbTLS{mode: strings.ToLower(strings.TrimSpace(v.String(keySSLMode)))}
	if m, ok := mariaDBModes[t.mode]; ok {
		t.mode = m
	}
	if t.mode == sslDisabled {
		return t, nil
	}
	props := map[string]string{tlsconfig.EndpointIdentification: ""}
	if t.mode == sslVerifyIdentity {
		props[tlsconfig.EndpointIdentification] = "https"
	}
	if p := strings.TrimSpace(v.String(keySSLTruststore)); p != "" {
		props[tlsconfig.TruststoreLocation] = p
		t.truststore = p
		props[tlsconfig.TruststorePassword] = v.Password(keySSLTruststorePassword).Value()
	}
	if p := strings.TrimSpace(v.String(keySSLKeystore)); p != "" {
		pw := v.Password(keySSLKeystorePassword).Value()
		props[tlsconfig.KeystoreLocation] = p
		props[tlsconfig.KeystorePassword] = pw
		props[tlsconfig.KeyPassword] = pw
	}
	cfg, err := tlsconfig.Client(props)
	if err != nil {
		return nil, tlsconfig.ConfigError(err, func(n string) string {
			if d, ok := sslNames[n]; ok {
				return d
			}
			return n
		}, keySSLMode)
	}
	switch t.mode {
	case sslPreferred, sslRequired:
		// Encrypted, not authenticated: MySQL's client and Connector/J
		// verify nothing in these modes, whatever the trust store.
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = nil
	case sslVerifyIdentity:
		cfg.ServerName = host
	}
	t.config = cfg
	return t, nil
}

// String describes the TLS settings for error messages.
func (t *dbTLS) String() string {
	switch {
	case t.mode != sslVerifyCA && t.mode != sslVerifyIdentity:
		return keySSLMode + "=" + t.mode
	case t.truststore == "":
		return keySSLMode + "=" + t.mode + ", trusting the system's roots"
	}
	return keySSLMode + "=" + t.mode + ", trusting " + keySSLTruststore + "=" + t.truststore
}

// forConn is the TLS configuration of the next connection, nil for plain.
func (t *dbTLS) forConn() *tls.Config {
	if t.mode == sslPreferred && t.noServerTLS.Load() {
		return nil
	}
	return t.config
}
