package tlsconfig

import (
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// clientKey is one of Kafka's client SSL settings (SslConfigs.addClientSslSupport).
type clientKey struct {
	name, dflt string
	typ        config.Type
	doc        string
	// unsupported settings are refused when set to anything but dflt.
	unsupported bool
}

var clientKeys = []clientKey{
	{name: Protocol, dflt: "TLSv1.3", typ: config.TypeString, doc: "The SSL protocol used to generate the SSLContext."},
	{name: EnabledProtocols, dflt: "TLSv1.2,TLSv1.3", typ: config.TypeList, doc: "The list of protocols enabled for SSL connections."},
	{name: KeystoreType, dflt: "JKS", typ: config.TypeString, doc: "The file format of the key store file: JKS, PKCS12 or PEM."},
	{name: KeystoreLocation, typ: config.TypeString, doc: "The location of the key store file, for client authentication."},
	{name: KeystorePassword, typ: config.TypePassword, doc: "The store password for the key store file."},
	{name: KeyPassword, typ: config.TypePassword, doc: "The password of the private key in the key store file or the PEM key."},
	{name: KeystoreKey, typ: config.TypePassword, doc: "Private key in the format specified by 'ssl.keystore.type' (PEM)."},
	{name: KeystoreChain, typ: config.TypePassword, doc: "Certificate chain in the format specified by 'ssl.keystore.type' (PEM)."},
	{name: TruststoreType, dflt: "JKS", typ: config.TypeString, doc: "The file format of the trust store file: JKS, PKCS12 or PEM."},
	{name: TruststoreLocation, typ: config.TypeString, doc: "The location of the trust store file."},
	{name: TruststorePassword, typ: config.TypePassword, doc: "The password for the trust store file."},
	{name: TruststoreCertificates, typ: config.TypePassword, doc: "Trusted certificates in the format specified by 'ssl.truststore.type' (PEM)."},
	{name: EndpointIdentification, dflt: "https", typ: config.TypeString, doc: "The endpoint identification algorithm to validate the server host name using the server certificate; empty turns the check off."},
	{name: "ssl.provider", typ: config.TypeString, unsupported: true, doc: "The name of the security provider: not supported by goconnect."},
	{name: "ssl.cipher.suites", typ: config.TypeList, unsupported: true, doc: "A list of cipher suites: not supported by goconnect (Go's defaults)."},
	{name: "ssl.keymanager.algorithm", dflt: "SunX509", typ: config.TypeString, unsupported: true, doc: "The key manager factory algorithm: only the default."},
	{name: "ssl.trustmanager.algorithm", dflt: "PKIX", typ: config.TypeString, unsupported: true, doc: "The trust manager factory algorithm: only the default."},
	{name: "ssl.secure.random.implementation", typ: config.TypeString, unsupported: true, doc: "The SecureRandom PRNG implementation: not supported by goconnect."},
	{name: "ssl.engine.factory.class", typ: config.TypeClass, unsupported: true, doc: "A custom SslEngineFactory class: not supported by goconnect."},
}

// DefineClient declares Kafka's client SSL settings under prefix
// ("elastic.https.", "schema.registry.") in d, so that their passwords are
// PASSWORD-typed (masked wherever configs are shown) and their defaults
// documented.
func DefineClient(d *config.Def, prefix, group string) *config.Def {
	for _, k := range clientKeys {
		d.Define(config.Key{Name: prefix + k.name, Type: k.typ, Default: k.dflt, Importance: config.Medium, Group: group, Doc: k.doc})
	}
	return d
}

// Unprefixed returns the settings of props that start with prefix, with the
// prefix cut off.
func Unprefixed(props map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range props {
		if name, ok := strings.CutPrefix(k, prefix); ok {
			out[name] = v
		}
	}
	return out
}

// Unsupported lists the settings of unprefixed props that goconnect cannot
// honour (a cipher suite list, a JCA provider, a custom engine factory…)
// and that are set to something other than their default.
func Unsupported(props map[string]string) []string {
	var out []string
	for _, k := range clientKeys {
		if v, set := props[k.name]; k.unsupported && set && strings.TrimSpace(v) != k.dflt {
			out = append(out, k.name)
		}
	}
	return out
}

// ConfigError turns an error of Client into a config error on the
// setting it is about, under the caller's names (rename, see Rename;
// fallback when the message names none). The message names the setting
// too, since Connect's validation answer lists messages without keys.
func ConfigError(err error, rename func(string) string, fallback string) *config.Error {
	key, msg := Setting(Rename(err, rename))
	if key == "" {
		return &config.Error{Key: fallback, Message: msg}
	}
	return &config.Error{Key: key, Message: key + ": " + msg}
}
