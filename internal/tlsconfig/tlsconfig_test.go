package tlsconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// handshake runs a real TLS handshake between Server(server) and
// Client(client), dialling host (which the client checks the certificate
// against), and returns the negotiated version, the client certificates the
// server saw, the client's error and the server's error.
func handshake(t *testing.T, server, client map[string]string, host string) (version uint16, peers []*x509.Certificate, clientErr, serverErr error) {
	t.Helper()
	scfg, err := Server(server)
	if err != nil {
		t.Fatalf("Server: %v", err)
	}
	ccfg, err := Client(client)
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", scfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		err   error
		peers []*x509.Certificate
	}
	done := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		tc := c.(*tls.Conn)
		err = tc.Handshake()
		if err == nil {
			// TLS 1.3 client auth failures surface on the client's first read.
			_, _ = tc.Write([]byte("x"))
		}
		done <- result{err: err, peers: tc.ConnectionState().PeerCertificates}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ccfg.ServerName = host
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort("127.0.0.1", port), ccfg)
	if err == nil {
		_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
		version = conn.ConnectionState().Version
		_, err = io.ReadFull(conn, make([]byte, 1))
		conn.Close()
	}
	r := <-done
	return version, r.peers, err, r.err
}

func TestStoreFormatsHandshakeWithClientAuth(t *testing.T) {
	p := newPKI(t)
	cases := map[string]struct{ server, client map[string]string }{
		"JKS": {
			server: map[string]string{
				KeystoreLocation: jksKey(t, p.server, nil, "storepw", "keypw"), KeystorePassword: "storepw", KeyPassword: "keypw",
				TruststoreLocation: jksTrust(t, "trustpw", p.ca), TruststorePassword: "trustpw", ClientAuth: "required",
			},
			client: map[string]string{
				KeystoreType: "jks", KeystoreLocation: jksKey(t, p.client, []*x509.Certificate{p.ca}, "cpw", "cpw"), KeystorePassword: "cpw",
				TruststoreLocation: jksTrust(t, "trustpw", p.ca), TruststorePassword: "trustpw",
			},
		},
		"PKCS12": {
			server: map[string]string{
				KeystoreType: "PKCS12", KeystoreLocation: p12Key(t, p.server, nil, "storepw"), KeystorePassword: "storepw",
				TruststoreType: "PKCS12", TruststoreLocation: p12Trust(t, "trustpw", p.ca), TruststorePassword: "trustpw", ClientAuth: "required",
			},
			client: map[string]string{
				KeystoreType: "PKCS12", KeystoreLocation: p12Key(t, p.client, nil, "cpw"), KeystorePassword: "cpw",
				TruststoreType: "PKCS12", TruststoreLocation: p12Trust(t, "trustpw", p.ca), TruststorePassword: "trustpw",
			},
		},
		"PEM files, encrypted key": {
			server: map[string]string{
				KeystoreType: "PEM", KeystoreLocation: write(t, "server.pem", append(keyPEM(t, p.server.key, "kpw"), certPEM(p.server.cert)...)), KeyPassword: "kpw",
				TruststoreType: "PEM", TruststoreLocation: write(t, "ca.pem", certPEM(p.ca)), ClientAuth: "required",
			},
			client: map[string]string{
				KeystoreType: "PEM", KeystoreLocation: write(t, "client.pem", append(certPEM(p.client.cert), keyPEM(t, p.client.key, "")...)),
				TruststoreType: "PEM", TruststoreLocation: write(t, "ca.pem", certPEM(p.ca)),
			},
		},
		"PEM inline": {
			server: map[string]string{
				KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, p.server.key, "")), KeystoreChain: string(certPEM(p.server.cert, p.ca)),
				TruststoreType: "PEM", TruststoreCertificates: string(certPEM(p.ca)), ClientAuth: "required",
			},
			client: map[string]string{
				KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, p.client.key, "kpw")), KeyPassword: "kpw", KeystoreChain: string(certPEM(p.client.cert)),
				TruststoreType: "PEM", TruststoreCertificates: string(certPEM(p.ca)),
			},
		},
		// The JVM reads a PKCS12 file declared JKS, and a JKS trust store
		// without its password (no integrity check).
		"PKCS12 declared JKS, JKS trust store without password": {
			server: map[string]string{
				KeystoreLocation: p12Key(t, p.server, nil, "storepw"), KeystorePassword: "storepw",
				TruststoreLocation: jksTrust(t, "", p.ca), ClientAuth: "required",
			},
			client: map[string]string{
				KeystoreLocation: p12Key(t, p.client, nil, "cpw"), KeystorePassword: "cpw",
				TruststoreLocation: p12Trust(t, "tpw", p.ca), TruststorePassword: "tpw",
			},
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, peers, cerr, serr := handshake(t, c.server, c.client, "localhost")
			if cerr != nil || serr != nil {
				t.Fatalf("handshake failed: client %v, server %v", cerr, serr)
			}
			if len(peers) == 0 || !peers[0].Equal(p.client.cert) {
				t.Fatalf("server did not see the client certificate: %v", peers)
			}
		})
	}
}

func TestClientAuthModes(t *testing.T) {
	p := newPKI(t)
	server := func(mode string) map[string]string {
		return map[string]string{
			KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, p.server.key, "")), KeystoreChain: string(certPEM(p.server.cert)),
			TruststoreType: "PEM", TruststoreCertificates: string(certPEM(p.ca)), ClientAuth: mode,
		}
	}
	anonymous := map[string]string{TruststoreType: "PEM", TruststoreCertificates: string(certPEM(p.ca))}
	if _, _, cerr, serr := handshake(t, server("required"), anonymous, "localhost"); cerr == nil || serr == nil {
		t.Fatalf("required client auth accepted a client without certificate: client %v, server %v", cerr, serr)
	}
	for _, mode := range []string{"requested", "none", ""} {
		if _, _, cerr, serr := handshake(t, server(mode), anonymous, "localhost"); cerr != nil || serr != nil {
			t.Fatalf("ssl.client.auth=%q refused a client without certificate: client %v, server %v", mode, cerr, serr)
		}
	}
	// requested still verifies a certificate that is sent.
	other := newPKI(t)
	stranger := map[string]string{
		KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, other.client.key, "")), KeystoreChain: string(certPEM(other.client.cert)),
		TruststoreType: "PEM", TruststoreCertificates: string(certPEM(p.ca)),
	}
	if _, _, _, serr := handshake(t, server("requested"), stranger, "localhost"); serr == nil {
		t.Fatal("requested client auth accepted an untrusted client certificate")
	}
	if _, err := Server(server("sometimes")); err == nil || !strings.Contains(err.Error(), ClientAuth) {
		t.Fatalf("bad ssl.client.auth: %v", err)
	}
}

func TestEndpointIdentification(t *testing.T) {
	p := newPKI(t)
	server := map[string]string{KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, p.server.key, "")), KeystoreChain: string(certPEM(p.server.cert))}
	trust := func(extra map[string]string, ca ...*x509.Certificate) map[string]string {
		m := map[string]string{TruststoreType: "PEM", TruststoreCertificates: string(certPEM(ca...))}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	// Default https: the name must match.
	_, _, cerr, _ := handshake(t, server, trust(nil, p.ca), "kafka.example.com")
	var hostErr x509.HostnameError
	if !errors.As(cerr, &hostErr) {
		t.Fatalf("default identification accepted a wrong host name: %v", cerr)
	}
	if _, _, cerr, _ := handshake(t, server, trust(map[string]string{EndpointIdentification: "HTTPS"}, p.ca), "localhost"); cerr != nil {
		t.Fatalf("matching name refused: %v", cerr)
	}
	// Empty: any name, but the chain is still verified.
	if _, _, cerr, _ := handshake(t, server, trust(map[string]string{EndpointIdentification: ""}, p.ca), "kafka.example.com"); cerr != nil {
		t.Fatalf("empty identification still checked the name: %v", cerr)
	}
	other := newPKI(t)
	_, _, cerr, _ = handshake(t, server, trust(map[string]string{EndpointIdentification: ""}, other.ca), "kafka.example.com")
	var unknown x509.UnknownAuthorityError
	if !errors.As(cerr, &unknown) {
		t.Fatalf("empty identification accepted an untrusted chain: %v", cerr)
	}
	if _, err := Client(map[string]string{EndpointIdentification: "ldaps"}); err == nil || !strings.Contains(err.Error(), EndpointIdentification) {
		t.Fatalf("unknown algorithm: %v", err)
	}
}

func TestProtocols(t *testing.T) {
	p := newPKI(t)
	server := map[string]string{KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, p.server.key, "")), KeystoreChain: string(certPEM(p.server.cert))}
	client := func(extra map[string]string) map[string]string {
		m := map[string]string{TruststoreType: "PEM", TruststoreCertificates: string(certPEM(p.ca))}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		props map[string]string
		want  uint16
	}{
		{nil, tls.VersionTLS13},
		{map[string]string{EnabledProtocols: "TLSv1.2"}, tls.VersionTLS12},
		{map[string]string{Protocol: "TLSv1.2"}, tls.VersionTLS12},
		{map[string]string{EnabledProtocols: "TLSv1.3, TLSv1.2"}, tls.VersionTLS13},
	} {
		v, _, cerr, serr := handshake(t, server, client(c.props), "localhost")
		if cerr != nil || serr != nil || v != c.want {
			t.Fatalf("%v: version %x (want %x), client %v, server %v", c.props, v, c.want, cerr, serr)
		}
	}
	// A 1.3-only server and a 1.2-only client do not meet.
	only13 := map[string]string{EnabledProtocols: "TLSv1.3"}
	for k, v := range server {
		only13[k] = v
	}
	if _, _, cerr, _ := handshake(t, only13, client(map[string]string{EnabledProtocols: "TLSv1.2"}), "localhost"); cerr == nil {
		t.Fatal("TLSv1.2-only client met a TLSv1.3-only server")
	}
	for _, bad := range []map[string]string{{EnabledProtocols: "TLSv1.1"}, {EnabledProtocols: " "}, {Protocol: "SSLv3"}, {Protocol: "TLSv1.2", EnabledProtocols: "TLSv1.3"}} {
		if _, err := Client(bad); err == nil {
			t.Fatalf("%v accepted", bad)
		}
	}
}

// Each bad setting is refused with an error that names it (and the file).
func TestErrorsNameTheSetting(t *testing.T) {
	p := newPKI(t)
	jks := jksKey(t, p.client, nil, "storepw", "storepw")
	p12 := p12Key(t, p.client, nil, "storepw")
	jksTrustStore := jksTrust(t, "trustpw", p.ca)
	p12TrustStore := p12Trust(t, "trustpw", p.ca)
	pemKey := write(t, "enc.pem", append(keyPEM(t, p.client.key, "kpw"), certPEM(p.client.cert)...))
	for _, c := range []struct {
		props map[string]string
		want  []string
	}{
		{map[string]string{KeystoreLocation: jks, KeystorePassword: "nope"}, []string{"ssl.keystore.password: wrong password for " + jks}},
		{map[string]string{KeystoreType: "PKCS12", KeystoreLocation: p12, KeystorePassword: "nope"}, []string{"ssl.keystore.password: wrong password for " + p12}},
		{map[string]string{KeystoreLocation: jks, KeystorePassword: "storepw", KeyPassword: "nope"}, []string{"ssl.key.password", jks}},
		{map[string]string{TruststoreLocation: jksTrustStore, TruststorePassword: "nope"}, []string{"ssl.truststore.password: wrong password for " + jksTrustStore}},
		{map[string]string{TruststoreType: "PKCS12", TruststoreLocation: p12TrustStore, TruststorePassword: "nope"}, []string{"ssl.truststore.password: wrong password for " + p12TrustStore}},
		{map[string]string{KeystoreLocation: jks}, []string{"ssl.keystore.password: missing"}},
		{map[string]string{KeystoreLocation: "/nonexistent/x.jks", KeystorePassword: "a"}, []string{"ssl.keystore.location", "/nonexistent/x.jks"}},
		{map[string]string{TruststoreLocation: "/nonexistent/t.jks"}, []string{"ssl.truststore.location", "/nonexistent/t.jks"}},
		{map[string]string{KeystoreType: "PEM", KeystoreLocation: pemKey}, []string{"ssl.key.password", pemKey}},
		{map[string]string{KeystoreType: "PEM", KeystoreLocation: pemKey, KeyPassword: "nope"}, []string{"ssl.key.password", pemKey}},
		{map[string]string{KeystoreType: "PEM", KeystoreLocation: pemKey, KeystorePassword: "x", KeyPassword: "kpw"}, []string{"ssl.keystore.password"}},
		{map[string]string{KeystoreKey: string(keyPEM(t, p.client.key, "")), KeystoreChain: string(certPEM(p.client.cert))}, []string{"ssl.keystore.key", "PEM"}},
		{map[string]string{KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, p.client.key, ""))}, []string{"ssl.keystore.certificate.chain: missing"}},
		{map[string]string{KeystoreType: "PEM", KeystoreKey: string(keyPEM(t, p.server.key, "")), KeystoreChain: string(certPEM(p.client.cert))}, []string{"ssl.keystore.key", "does not match"}},
		{map[string]string{TruststoreCertificates: string(certPEM(p.ca))}, []string{"ssl.truststore.certificates", "PEM"}},
		{map[string]string{TruststoreType: "PEM", TruststoreCertificates: "garbage"}, []string{"ssl.truststore.certificates"}},
		{map[string]string{TruststoreType: "PEM", TruststoreCertificates: string(certPEM(p.ca)), TruststorePassword: "x"}, []string{"ssl.truststore.password"}},
		{map[string]string{TruststoreType: "BKS"}, []string{"ssl.truststore.type", "BKS"}},
		{map[string]string{KeystoreType: "JCEKS"}, []string{"ssl.keystore.type", "JCEKS"}},
		{map[string]string{TruststoreType: "JKS", TruststoreLocation: write(t, "junk.jks", []byte("not a key store"))}, []string{"ssl.truststore.location"}},
	} {
		_, err := Client(c.props)
		if err == nil {
			t.Errorf("%v: accepted", c.props)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %q does not contain %q", c.props, err, w)
			}
		}
	}
	if _, err := Server(map[string]string{}); err == nil || !strings.Contains(err.Error(), KeystoreLocation) {
		t.Fatalf("server without key store: %v", err)
	}
}

func TestNoSettingsUsesSystemRoots(t *testing.T) {
	cfg, err := Client(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RootCAs != nil || cfg.InsecureSkipVerify || len(cfg.Certificates) != 0 {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if cfg.MinVersion != tls.VersionTLS12 || cfg.MaxVersion != tls.VersionTLS13 {
		t.Fatalf("versions %x-%x", cfg.MinVersion, cfg.MaxVersion)
	}
}
