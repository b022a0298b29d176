package main

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// readTimings reads Confluent's group, forwarding and store timings.
func (e *electionSettings) readTimings(props map[string]string) error {
	for _, t := range []struct {
		key      string
		dst      *time.Duration
		zeroOK   bool // 0 means no limit (Java's HttpURLConnection)
		fallback time.Duration
	}{
		{key: "kafkagroup.session.timeout.ms", dst: &e.session},
		{key: "kafkagroup.heartbeat.interval.ms", dst: &e.heartbeat},
		{key: "kafkagroup.rebalance.timeout.ms", dst: &e.rebalance},
		{key: "leader.connect.timeout.ms", dst: &e.connectTimeout, zeroOK: true},
		{key: "leader.read.timeout.ms", dst: &e.readTimeout, zeroOK: true},
		{key: "kafkastore.init.timeout.ms", dst: &e.initTimeout},
		{key: "kafkastore.timeout.ms", dst: &e.storeTimeout},
	} {
		v := strings.TrimSpace(props[t.key])
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 || (n == 0 && !t.zeroOK) {
			want := "a positive number of milliseconds"
			if t.zeroOK {
				want = "a number of milliseconds, 0 for no limit"
			}
			return fmt.Errorf("%s: %q is not %s", t.key, v, want)
		}
		*t.dst = time.Duration(n) * time.Millisecond
	}
	if e.session > 0 && e.heartbeat > 0 && e.heartbeat >= e.session {
		return fmt.Errorf("kafkagroup.heartbeat.interval.ms (%v) must be below kafkagroup.session.timeout.ms (%v)", e.heartbeat, e.session)
	}
	if v := strings.TrimSpace(props["host.port"]); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 65535 {
			return fmt.Errorf("host.port: %q is not a port number", v)
		}
		e.hostPort = n
	}
	for _, key := range []string{"leader.election.delay", "leader.election.sticky"} {
		v := strings.TrimSpace(props[key])
		if v == "" {
			continue
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s: %q is not a boolean", key, v)
		}
		switch {
		case key == "leader.election.delay":
			e.delay = b
		case b:
			// Sticky election is a cluster-wide choice of Confluent's
			// coordinator (keep the current leader across rebalances);
			// goconnect elects the smallest eligible URL every time, and
			// mixing both in one group would elect two leaders.
			return fmt.Errorf("leader.election.sticky=true is not supported by goconnect's registry (it elects the eligible instance with the smallest URL at every rebalance, as Confluent's default)")
		}
	}
	return nil
}

// readListener reads listeners, inter.instance.protocol and, for an
// https listener, rest-utils' ssl.* settings: the listener's key store,
// the client authentication it asks, and the forwarding client's trust.
func (s *registrySettings) readListener(props map[string]string, e *electionSettings) error {
	if v := strings.TrimSpace(props["inter.instance.listener.name"]); v != "" {
		return fmt.Errorf("inter.instance.listener.name=%s: named listeners (listener.protocol.map) are not served by goconnect's registry; use http:// and https:// listeners and inter.instance.protocol", v)
	}
	// listeners: http:// and https:// URLs, served side by side (the
	// --listen flag's http listener when none).
	all := []registryListener{{addr: s.listen}}
	if v := strings.TrimSpace(props["listeners"]); v != "" {
		all = nil
		for _, l := range strings.Split(v, ",") {
			if l = strings.TrimSpace(l); l == "" {
				continue
			}
			u, err := url.Parse(l)
			if err != nil || u.Host == "" || u.Port() == "" {
				return fmt.Errorf("listeners: %q is not a URL with a port such as http://0.0.0.0:8081", l)
			}
			if u.Scheme != "http" && u.Scheme != "https" {
				return fmt.Errorf("listeners: %q: named listeners (listener.protocol.map) are not served by goconnect's registry; use http:// or https://", l)
			}
			all = append(all, registryListener{addr: u.Host, https: u.Scheme == "https"})
		}
	}
	// Confluent's instances reach each other through the last listener
	// of inter.instance.protocol's scheme (the deprecated name first).
	proto := strings.TrimSpace(props["schema.registry.inter.instance.protocol"])
	if proto == "" {
		proto = strings.TrimSpace(props["inter.instance.protocol"])
	}
	if proto == "" {
		proto = "http"
	}
	inter, anyTLS := -1, false
	for i, l := range all {
		scheme := "http"
		if l.https {
			scheme, anyTLS = "https", true
		}
		if strings.EqualFold(proto, scheme) {
			inter = i
		}
	}
	if inter < 0 {
		return fmt.Errorf("inter.instance.protocol=%s: no listener configured with requested scheme %s (listeners: %v)", proto, proto, all)
	}
	s.listen, s.listenTLS = all[inter].addr, all[inter].https
	s.more = append(append([]registryListener(nil), all[:inter]...), all[inter+1:]...)
	e.identity.Scheme = "http"
	if s.listenTLS {
		e.identity.Scheme = "https"
	}
	if !anyTLS {
		return nil
	}
	ssl, err := restSSL(props)
	if err != nil {
		return err
	}
	if s.serverTLS, err = tlsconfig.Server(ssl.server); err != nil {
		return fmt.Errorf("https listener: %w", err)
	}
	if !s.listenTLS {
		return nil
	}
	if e.clientTLS, err = tlsconfig.Client(ssl.client); err != nil {
		return fmt.Errorf("forwarding to the leader over https: %w", err)
	}
	return nil
}

type restSSLSettings struct {
	server, client map[string]string
}

// restSSL maps rest-utils' ssl.* settings (listener.name.https.* taking
// precedence, as for an unnamed https listener) to tlsconfig's: the
// client authentication from ssl.client.authentication
// (NONE/REQUESTED/REQUIRED) or else the deprecated boolean
// ssl.client.auth; the forwarding client checks the leader's host name
// only with ssl.endpoint.identification.algorithm=https (rest-utils'
// default is none), and presents the key store.
func restSSL(props map[string]string) (restSSLSettings, error) {
	m := map[string]string{}
	for k, v := range props {
		if strings.HasPrefix(k, "ssl.") {
			m[k] = v
		}
	}
	for k, v := range tlsconfig.Unprefixed(props, "listener.name.https.") {
		if strings.HasPrefix(k, "ssl.") {
			m[k] = v
		}
	}
	if bad := tlsconfig.Unsupported(m); len(bad) > 0 {
		return restSSLSettings{}, fmt.Errorf("%s: not supported by goconnect's registry", strings.Join(bad, ", "))
	}
	if v := strings.TrimSpace(m["ssl.keystore.reload"]); v != "" {
		if b, err := strconv.ParseBool(v); err != nil || b {
			return restSSLSettings{}, fmt.Errorf("ssl.keystore.reload=%s: reloading the key store is not supported by goconnect's registry (restart it to load a new one)", v)
		}
	}
	if strings.TrimSpace(m[tlsconfig.Protocol]) == "TLS" {
		delete(m, tlsconfig.Protocol) // rest-utils' default: any version
	}
	auth := "none"
	switch v := strings.TrimSpace(m["ssl.client.authentication"]); v {
	case "NONE":
	case "REQUESTED":
		auth = "requested"
	case "REQUIRED":
		auth = "required"
	case "":
		if old := strings.TrimSpace(m["ssl.client.auth"]); old != "" {
			b, err := strconv.ParseBool(old)
			if err != nil {
				return restSSLSettings{}, fmt.Errorf("ssl.client.auth: %q is not a boolean (true requires client certificates; or set ssl.client.authentication)", old)
			}
			if b {
				auth = "required"
			}
		}
	default:
		return restSSLSettings{}, fmt.Errorf("ssl.client.authentication: %q is not one of NONE, REQUESTED, REQUIRED", v)
	}
	delete(m, "ssl.client.authentication")
	server := map[string]string{}
	client := map[string]string{}
	for k, v := range m {
		server[k], client[k] = v, v
	}
	server[tlsconfig.ClientAuth] = auth
	delete(server, tlsconfig.EndpointIdentification)
	delete(client, tlsconfig.ClientAuth)
	switch alg := strings.TrimSpace(m[tlsconfig.EndpointIdentification]); {
	case alg == "", alg == "none":
		client[tlsconfig.EndpointIdentification] = ""
	case strings.EqualFold(alg, "https"):
		client[tlsconfig.EndpointIdentification] = "https"
	default:
		return restSSLSettings{}, fmt.Errorf("ssl.endpoint.identification.algorithm %s not supported (https, or none)", alg)
	}
	return restSSLSettings{server: server, client: client}, nil
}

// forwardingClient is the follower's client to the leader, as
// Confluent's RestService: leader.connect.timeout.ms bounds connecting,
// leader.read.timeout.ms waiting for the answer (0: no limit), and an
// https leader is reached with the ssl.* stores.
func (e *electionSettings) forwardingClient() *http.Client {
	dialer := &net.Dialer{Timeout: e.connectTimeout}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = dialer.DialContext
	tr.TLSClientConfig = e.clientTLS
	tr.ResponseHeaderTimeout = e.readTimeout
	return &http.Client{Transport: tr}
}
