package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
)

// ServerCertRejected tells whether err comes from a server certificate
// that this side did not accept (unknown authority, wrong host name,
// expired…). No retry fixes that, so callers fail instead of retrying.
// Some drivers only keep the text of the cause (a MongoDB server
// selection error lists each server's last error), hence the text match.
func ServerCertRejected(err error) bool {
	if err == nil {
		return false
	}
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	if errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "tls: failed to verify certificate") || strings.Contains(s, "x509: ")
}

// peerAlerts are the TLS alerts a server sends when it refuses the
// client's certificate (or its absence).
var peerAlerts = []string{
	"certificate required", "bad certificate", "unknown certificate authority", "certificate unknown",
	"certificate expired", "certificate revoked", "unsupported certificate", "access denied",
}

// ClientCertRejected tells whether the server refused this side's client
// certificate, or its absence, with a TLS alert.
func ClientCertRejected(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	for _, a := range peerAlerts {
		if strings.Contains(s, "remote error: tls: "+a) {
			return true
		}
	}
	return false
}
