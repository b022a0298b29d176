package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"testing"
)

func TestCertRejected(t *testing.T) {
	verify := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	if !ServerCertRejected(fmt.Errorf("post: %w", verify)) || !ServerCertRejected(errors.New("Last error: tls: failed to verify certificate: x509: certificate signed by unknown authority")) {
		t.Fatal("a rejected server certificate was not recognised")
	}
	if ServerCertRejected(errors.New("connection refused")) || ServerCertRejected(nil) {
		t.Fatal("an outage counts as a rejected certificate")
	}
	if !ClientCertRejected(errors.New("incomplete read of message header: remote error: tls: certificate required")) {
		t.Fatal("a refused client certificate was not recognised")
	}
	if ClientCertRejected(errors.New("remote error: tls: internal error")) || ClientCertRejected(nil) {
		t.Fatal("an unrelated alert counts as a refused client certificate")
	}
}
