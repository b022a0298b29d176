package tlsconfig

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/pavlo-v-chernykh/keystore-go/v4"
	"github.com/youmark/pkcs8"
	"software.sslmate.com/src/go-pkcs12"
)

const (
	typeJKS    = "JKS"
	typePKCS12 = "PKCS12"
	typePEM    = "PEM"
)

// jksMagic starts every JKS file; anything else declared JKS or PKCS12 is read
// as PKCS12 (the JVM's "dual format" key stores do the same).
var jksMagic = []byte{0xFE, 0xED, 0xFE, 0xED}

func val(props map[string]string, key string) string { return strings.TrimSpace(props[key]) }

func storeType(props map[string]string, key string) (string, error) {
	t := strings.ToUpper(val(props, key))
	switch t {
	case "":
		return typeJKS, nil // Kafka's default
	case typeJKS, typePKCS12, typePEM:
		return t, nil
	}
	return "", fmt.Errorf("%s: unsupported store type %q (supported: JKS, PKCS12, PEM)", key, props[key])
}

// loadTrust returns the trust store's certificates as a pool, or nil when no
// trust store is set (the system roots then apply).
func loadTrust(props map[string]string) (*x509.CertPool, error) {
	typ, err := storeType(props, TruststoreType)
	if err != nil {
		return nil, err
	}
	location, inline, password := val(props, TruststoreLocation), props[TruststoreCertificates], props[TruststorePassword]
	var certs []*x509.Certificate
	switch {
	case location != "" && strings.TrimSpace(inline) != "":
		return nil, fmt.Errorf("%s: set either %s or %s, not both", TruststoreCertificates, TruststoreLocation, TruststoreCertificates)
	case strings.TrimSpace(inline) != "":
		if typ != typePEM {
			return nil, fmt.Errorf("%s: inline certificates need %s=PEM, but it is %s", TruststoreCertificates, TruststoreType, typ)
		}
		if password != "" {
			return nil, fmt.Errorf("%s: a PEM trust store takes no password", TruststorePassword)
		}
		if certs, err = parseCerts([]byte(inline)); err != nil {
			return nil, fmt.Errorf("%s: %w", TruststoreCertificates, err)
		}
	case location != "":
		data, err := os.ReadFile(location)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", TruststoreLocation, err)
		}
		switch typ {
		case typePEM:
			if password != "" {
				return nil, fmt.Errorf("%s: a PEM trust store takes no password", TruststorePassword)
			}
			certs, err = parseCerts(data)
		default:
			certs, err = trustFromStore(data, password, location)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", TruststoreLocation, err)
		}
	default:
		return nil, nil
	}
	if len(certs) == 0 {
		where := TruststoreCertificates
		if location != "" {
			where = TruststoreLocation + ": " + location
		}
		return nil, fmt.Errorf("%s: the trust store holds no certificate", where)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, nil
}

// errWrongPassword marks a password a store rejected, so the message names
// the password setting rather than the location.
var errWrongPassword = errors.New("wrong password")

func trustFromStore(data []byte, password, location string) ([]*x509.Certificate, error) {
	if !bytes.HasPrefix(data, jksMagic) {
		certs, err := pkcs12.DecodeTrustStore(data, password)
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, passwordError(TruststorePassword, location)
		}
		if err != nil {
			// A PKCS12 trust store written by keytool holds its certificates
			// next to a key only when it is a key store used as trust store.
			if _, cert, cas, err2 := pkcs12.DecodeChain(data, password); err2 == nil {
				return append([]*x509.Certificate{cert}, cas...), nil
			}
			return nil, fmt.Errorf("cannot read %s as PKCS12: %w", location, err)
		}
		return certs, nil
	}
	ks := keystore.New(keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		// Without a password the JVM reads a JKS trust store and skips the
		// integrity check; keystore-go has read every entry before it compares
		// the digest, so the same holds here.
		if !(password == "" && err.Error() == "got invalid digest") {
			if err.Error() == "got invalid digest" {
				return nil, passwordError(TruststorePassword, location)
			}
			return nil, fmt.Errorf("cannot read %s as JKS: %w", location, err)
		}
	}
	var certs []*x509.Certificate
	for _, alias := range ks.Aliases() {
		var raw []keystore.Certificate
		if e, err := ks.GetTrustedCertificateEntry(alias); err == nil {
			raw = []keystore.Certificate{e.Certificate}
		} else if chain, err := ks.GetPrivateKeyEntryCertificateChain(alias); err == nil && len(chain) > 0 {
			raw = chain[:1]
		}
		for _, r := range raw {
			c, err := x509.ParseCertificate(r.Content)
			if err != nil {
				return nil, fmt.Errorf("%s: entry %q: %w", location, alias, err)
			}
			certs = append(certs, c)
		}
	}
	return certs, nil
}

func passwordError(key, location string) error {
	return fmt.Errorf("%s: %w for %s", key, errWrongPassword, location)
}

// loadKey returns the key store's key and chain, or nil when none is set.
func loadKey(props map[string]string) ([]tls.Certificate, error) {
	typ, err := storeType(props, KeystoreType)
	if err != nil {
		return nil, err
	}
	location, inlineKey, inlineChain := val(props, KeystoreLocation), props[KeystoreKey], props[KeystoreChain]
	password, keyPassword := props[KeystorePassword], props[KeyPassword]
	hasInline := strings.TrimSpace(inlineKey) != "" || strings.TrimSpace(inlineChain) != ""
	var cert tls.Certificate
	switch {
	case location != "" && hasInline:
		return nil, fmt.Errorf("%s: set either %s or %s with %s, not both", KeystoreKey, KeystoreLocation, KeystoreKey, KeystoreChain)
	case hasInline:
		if typ != typePEM {
			return nil, fmt.Errorf("%s: an inline key needs %s=PEM, but it is %s", KeystoreKey, KeystoreType, typ)
		}
		if strings.TrimSpace(inlineKey) == "" {
			return nil, fmt.Errorf("%s: missing, but %s is set", KeystoreKey, KeystoreChain)
		}
		if strings.TrimSpace(inlineChain) == "" {
			return nil, fmt.Errorf("%s: missing, but %s is set", KeystoreChain, KeystoreKey)
		}
		if password != "" {
			return nil, fmt.Errorf("%s: a PEM key store takes no store password, only %s", KeystorePassword, KeyPassword)
		}
		chain, err := parseCerts([]byte(inlineChain))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeystoreChain, err)
		}
		key, err := parseKey([]byte(inlineKey), keyPassword, KeystoreKey)
		if err != nil {
			return nil, err
		}
		cert, err = assemble(key, chain)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeystoreKey, err)
		}
	case location != "":
		data, err := os.ReadFile(location)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", KeystoreLocation, err)
		}
		if typ == typePEM {
			if password != "" {
				return nil, fmt.Errorf("%s: a PEM key store takes no store password, only %s", KeystorePassword, KeyPassword)
			}
			chain, err := parseCerts(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", KeystoreLocation, location, err)
			}
			key, err := parseKey(data, keyPassword, KeystoreLocation+": "+location)
			if err != nil {
				return nil, err
			}
			if cert, err = assemble(key, chain); err != nil {
				return nil, fmt.Errorf("%s: %s: %w", KeystoreLocation, location, err)
			}
			break
		}
		if password == "" {
			return nil, fmt.Errorf("%s: missing, but %s is set (a %s key store needs its password)", KeystorePassword, KeystoreLocation, typ)
		}
		if keyPassword == "" {
			keyPassword = password
		}
		if cert, err = keyFromStore(data, password, keyPassword, location); err != nil {
			return nil, err
		}
	default:
		return nil, nil
	}
	return []tls.Certificate{cert}, nil
}

func keyFromStore(data []byte, password, keyPassword, location string) (tls.Certificate, error) {
	if !bytes.HasPrefix(data, jksMagic) {
		key, leaf, cas, err := pkcs12.DecodeChain(data, password)
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return tls.Certificate{}, passwordError(KeystorePassword, location)
		}
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("%s: cannot read %s as PKCS12: %w", KeystoreLocation, location, err)
		}
		cert, err := assemble(key, append([]*x509.Certificate{leaf}, cas...))
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("%s: %s: %w", KeystoreLocation, location, err)
		}
		return cert, nil
	}
	ks := keystore.New(keystore.WithOrderedAliases())
	if err := ks.Load(bytes.NewReader(data), []byte(password)); err != nil {
		if err.Error() == "got invalid digest" {
			return tls.Certificate{}, passwordError(KeystorePassword, location)
		}
		return tls.Certificate{}, fmt.Errorf("%s: cannot read %s as JKS: %w", KeystoreLocation, location, err)
	}
	var aliases []string
	for _, a := range ks.Aliases() {
		if ks.IsPrivateKeyEntry(a) {
			aliases = append(aliases, a)
		}
	}
	if len(aliases) == 0 {
		return tls.Certificate{}, fmt.Errorf("%s: %s holds no private key entry", KeystoreLocation, location)
	}
	// The JVM's key manager picks among several keys per connection; a key
	// store for one client or listener holds one, so take the first alias.
	sort.Strings(aliases)
	entry, err := ks.GetPrivateKeyEntry(aliases[0], []byte(keyPassword))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: wrong key password for entry %q of %s: %v", KeyPassword, aliases[0], location, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(entry.PrivateKey)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: entry %q of %s: %w", KeystoreLocation, aliases[0], location, err)
	}
	var chain []*x509.Certificate
	for _, r := range entry.CertificateChain {
		c, err := x509.ParseCertificate(r.Content)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("%s: entry %q of %s: %w", KeystoreLocation, aliases[0], location, err)
		}
		chain = append(chain, c)
	}
	cert, err := assemble(key, chain)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("%s: %s: %w", KeystoreLocation, location, err)
	}
	return cert, nil
}

// assemble checks that the key matches the first certificate.
func assemble(key any, chain []*x509.Certificate) (tls.Certificate, error) {
	if len(chain) == 0 {
		return tls.Certificate{}, errors.New("no certificate")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return tls.Certificate{}, fmt.Errorf("unsupported private key type %T", key)
	}
	type publicKey interface{ Equal(crypto.PublicKey) bool }
	if pub, ok := signer.Public().(publicKey); !ok || !pub.Equal(chain[0].PublicKey) {
		return tls.Certificate{}, errors.New("the private key does not match the first certificate of the chain")
	}
	cert := tls.Certificate{PrivateKey: key, Leaf: chain[0]}
	for _, c := range chain {
		cert.Certificate = append(cert.Certificate, c.Raw)
	}
	return cert, nil
}

func parseCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for rest := pemText(data); ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("bad certificate: %w", err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM CERTIFICATE block found")
	}
	return certs, nil
}

// parseKey reads the first private key block: PKCS#8 (encrypted with
// ssl.key.password or not, as Kafka supports), PKCS#1 RSA or SEC1 EC.
func parseKey(data []byte, password, where string) (any, error) {
	for rest := pemText(data); ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, fmt.Errorf("%s: no PEM private key block found", where)
		}
		switch block.Type {
		case "ENCRYPTED PRIVATE KEY":
			if password == "" {
				return nil, fmt.Errorf("%s: the private key is encrypted but %s is not set", where, KeyPassword)
			}
			key, err := pkcs8.ParsePKCS8PrivateKey(block.Bytes, []byte(password))
			if err != nil {
				return nil, fmt.Errorf("%s: wrong password or unreadable encrypted key (%s): %v", KeyPassword, where, err)
			}
			return key, nil
		case "PRIVATE KEY":
			key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			return key, nil
		case "RSA PRIVATE KEY", "EC PRIVATE KEY":
			if _, ok := block.Headers["Proc-Type"]; ok {
				return nil, fmt.Errorf("%s: legacy OpenSSL-encrypted keys are not supported; convert to encrypted PKCS#8 (openssl pkcs8 -topk8)", where)
			}
			var key any
			var err error
			if block.Type == "RSA PRIVATE KEY" {
				key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
			} else {
				key, err = x509.ParseECPrivateKey(block.Bytes)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			return key, nil
		}
	}
}
