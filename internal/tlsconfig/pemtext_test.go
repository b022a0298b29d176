package tlsconfig

import (
	"strings"
	"testing"
)

// Inline PEM continued over .properties lines arrives with spaces for line
// breaks (as Kafka's PEM parser accepts); key, chain and trusted
// certificates must still be read, an encrypted key too.
func TestInlinePEMWithoutLineBreaks(t *testing.T) {
	p := newPKI(t)
	flat := func(b []byte) string { return strings.ReplaceAll(strings.TrimSpace(string(b)), "\n", " ") }
	for name, props := range map[string]map[string]string{
		"plain key": {KeystoreType: "PEM", KeystoreKey: flat(keyPEM(t, p.client.key, "")),
			KeystoreChain: flat(certPEM(p.client.cert, p.ca)), TruststoreType: "PEM", TruststoreCertificates: flat(certPEM(p.ca))},
		"encrypted key": {KeystoreType: "PEM", KeystoreKey: flat(keyPEM(t, p.client.key, "kpw")), KeyPassword: "kpw",
			KeystoreChain: flat(certPEM(p.client.cert)), TruststoreType: "PEM", TruststoreCertificates: flat(certPEM(p.ca))},
	} {
		t.Run(name, func(t *testing.T) {
			cfg, err := Client(props)
			if err != nil {
				t.Fatal(err)
			}
			if len(cfg.Certificates) != 1 || cfg.RootCAs == nil {
				t.Fatalf("certificates %d, roots %v", len(cfg.Certificates), cfg.RootCAs)
			}
			if !cfg.Certificates[0].Leaf.Equal(p.client.cert) {
				t.Fatal("wrong leaf certificate")
			}
		})
	}
	// Text that is no PEM at all still fails, naming the setting.
	_, err := Client(map[string]string{TruststoreType: "PEM", TruststoreCertificates: "-----BEGIN CERTIFICATE----- not base64! -----END CERTIFICATE-----"})
	if err == nil || !strings.Contains(err.Error(), TruststoreCertificates) {
		t.Fatalf("garbage certificate: %v", err)
	}
}
