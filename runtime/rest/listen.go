package rest

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/goconnect/goconnect/internal/tlsconfig"
	"github.com/goconnect/goconnect/runtime/basicauth"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// Setup is the REST server's bound listeners and what the server and the
// herder need to reach other workers, built from the worker config.
type Setup struct {
	Main, Admin []net.Listener
	Placement   AdminPlacement
	Auth        Authenticator
	// Client reaches other workers (forwarded requests, task configs to
	// the leader) with the https listeners' TLS settings, as Connect's
	// RestClient does.
	Client *http.Client
	// Console is rest.console.enable.
	Console bool
}

// Config returns the server config for h with these listeners' settings.
func (s *Setup) Config(h Herder) Config {
	return Config{Herder: h, Admin: s.Placement, Auth: s.Auth, ForwardClient: s.Client, NoConsole: !s.Console}
}

// Close releases the listeners when the worker does not start.
func (s *Setup) Close() {
	for _, ln := range append(s.Main, s.Admin...) {
		ln.Close()
	}
}

// Listen binds every listener of the worker config (https ones wrapped in
// TLS), loads basic authentication when rest.extension.classes asks for
// it, and hands the advertised listener's bound port to adopt (the worker
// id's). sysProps are JVM-style -D flags given to goconnect.
func Listen(w *workerconfig.Worker, adopt func(port int), sysProps []string, log *slog.Logger) (*Setup, error) {
	rs := w.Rest
	s := &Setup{Console: rs.Console}
	switch {
	case rs.AdminDisabled:
		s.Placement = AdminOff
	case len(rs.AdminListeners) > 0:
		s.Placement = AdminSeparate
	}
	var mainTLS, adminTLS *tls.Config
	var err error
	if hasHTTPS(rs.Listeners) {
		if mainTLS, err = tlsconfig.Server(rs.TLS); err != nil {
			return nil, fmt.Errorf("REST https listener (%sssl.* or ssl.*): %w", workerconfig.ListenersHTTPSPrefix, err)
		}
	}
	if hasHTTPS(rs.AdminListeners) {
		if adminTLS, err = tlsconfig.Server(rs.AdminTLS); err != nil {
			return nil, fmt.Errorf("REST admin https listener (%sssl.* or ssl.*): %w", workerconfig.AdminListenersHTTPSPrefix, err)
		}
	}
	s.Client = &http.Client{}
	if hasHTTPS(rs.Listeners) || rs.AdvertisedScheme == "https" {
		cc, err := tlsconfig.Client(rs.TLS)
		if err != nil {
			return nil, fmt.Errorf("REST client to other workers (%sssl.* or ssl.*): %w", workerconfig.ListenersHTTPSPrefix, err)
		}
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cc
		s.Client = &http.Client{Transport: tr}
	}
	if rs.BasicAuth {
		a, err := basicauth.Load(basicauth.LoginConfigPath(os.Getenv("KAFKA_OPTS"), sysProps), log)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", workerconfig.RestExtensionClasses, err)
		}
		s.Auth = a
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	for i, l := range rs.Listeners {
		ln, err := listen(l, mainTLS)
		if err != nil {
			return nil, err
		}
		s.Main = append(s.Main, ln)
		if i == rs.Advertised {
			adopt(ln.Addr().(*net.TCPAddr).Port)
		}
	}
	for _, l := range rs.AdminListeners {
		ln, err := listen(l, adminTLS)
		if err != nil {
			return nil, err
		}
		s.Admin = append(s.Admin, ln)
	}
	ok = true
	return s, nil
}

func hasHTTPS(ls []workerconfig.RestListener) bool {
	for _, l := range ls {
		if l.Scheme == "https" {
			return true
		}
	}
	return false
}

// listen binds one listener, wrapped in TLS for https.
func listen(l workerconfig.RestListener, cfg *tls.Config) (net.Listener, error) {
	ln, err := net.Listen("tcp", l.Addr())
	if err != nil {
		return nil, fmt.Errorf("REST listener %s://%s: %w", l.Scheme, l.Addr(), err)
	}
	if l.Scheme == "https" {
		// HTTP/1.1 only, as Jetty serves Connect's API.
		c := cfg.Clone()
		c.NextProtos = []string{"http/1.1"}
		return tls.NewListener(ln, c), nil
	}
	return ln, nil
}

// Addresses lists the listeners, for the startup log line.
func (s *Setup) Addresses() string {
	var out []string
	for _, ln := range s.Main {
		out = append(out, ln.Addr().String())
	}
	for _, ln := range s.Admin {
		out = append(out, "admin "+ln.Addr().String())
	}
	return strings.Join(out, ",")
}
