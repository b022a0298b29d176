// Package restclient is what goconnect's own commands (healthcheck,
// offsets) need to call a worker's REST API when it is secured: basic
// credentials and TLS (a CA to trust, a client certificate for listeners
// that require one).
package restclient

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// Environment variables that give the options defaults, so the container's
// HEALTHCHECK needs no flags.
const (
	EnvUser     = "GOCONNECT_REST_USER" // user:password
	EnvCAFile   = "GOCONNECT_REST_CA_FILE"
	EnvCertFile = "GOCONNECT_REST_CERT_FILE"
	EnvKeyFile  = "GOCONNECT_REST_KEY_FILE"
	EnvInsecure = "GOCONNECT_REST_INSECURE" // true: no server certificate check
)

// Options are a client's credentials and TLS settings.
type Options struct {
	// User is "user:password" for basic authentication. Credentials in
	// the URL (https://user:password@host:8083) serve too.
	User string
	// CAFile is a PEM file of the CAs that signed the worker's certificate
	// (default: the system's roots).
	CAFile string
	// CertFile and KeyFile are the client certificate and its key (PEM),
	// for listeners with ssl.client.auth=required or requested. A single
	// file holding both serves as CertFile alone.
	CertFile, KeyFile string
	// Insecure skips the check of the worker's certificate.
	Insecure bool
}

// FromEnv reads the defaults from environ (os.Environ() form).
func FromEnv(environ []string) Options {
	var o Options
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case EnvUser:
			o.User = v
		case EnvCAFile:
			o.CAFile = v
		case EnvCertFile:
			o.CertFile = v
		case EnvKeyFile:
			o.KeyFile = v
		case EnvInsecure:
			o.Insecure, _ = strconv.ParseBool(v)
		}
	}
	return o
}

// Register adds the options' flags to fs, with o's values as defaults.
func (o *Options) Register(fs *flag.FlagSet) {
	fs.StringVar(&o.User, "user", o.User, "basic credentials user:password (env "+EnvUser+"; user:password@ in the URL works too)")
	fs.StringVar(&o.CAFile, "cacert", o.CAFile, "PEM file of the CAs to trust for https (env "+EnvCAFile+"; default: system roots)")
	fs.StringVar(&o.CertFile, "cert", o.CertFile, "client certificate PEM for listeners requiring one (env "+EnvCertFile+")")
	fs.StringVar(&o.KeyFile, "key", o.KeyFile, "client key PEM (env "+EnvKeyFile+"; default: the --cert file)")
	fs.BoolVar(&o.Insecure, "insecure", o.Insecure, "do not check the worker's certificate (env "+EnvInsecure+")")
}

// Client returns an HTTP client with o's TLS settings.
func (o Options) Client() (*http.Client, error) {
	cfg := &tls.Config{InsecureSkipVerify: o.Insecure}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, fmt.Errorf("CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s: no PEM certificate in it", o.CAFile)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" {
		key := o.KeyFile
		if key == "" {
			key = o.CertFile
		}
		pair, err := tls.LoadX509KeyPair(o.CertFile, key)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	} else if o.KeyFile != "" {
		return nil, errors.New("a client key needs its certificate (--cert)")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr}, nil
}

// Authorize adds o's basic credentials to req, unless its URL carries its own.
func (o Options) Authorize(req *http.Request) error {
	if o.User == "" || req.URL.User != nil {
		return nil
	}
	user, pass, ok := strings.Cut(o.User, ":")
	if !ok {
		return fmt.Errorf("credentials must be user:password")
	}
	req.SetBasicAuth(user, pass)
	return nil
}
