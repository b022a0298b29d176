package kafkaclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
)

// OnFatal returns a client option that calls fn once, with the first
// connection error that no retry can fix: the broker rejected the SASL
// credentials or mechanism, or the TLS handshake failed on a certificate or
// a protocol mismatch. franz-go retries those like network errors, and an
// idempotent producer keeps its records buffered meanwhile, so without this
// a wrong password is a silent hang; the Java client fails such clients at
// once (SaslAuthenticationException, SslAuthenticationException).
// Options(props, fn) adds it, and also recognises brokers that answer bad
// credentials by closing the connection.
func OnFatal(fn func(error)) kgo.Opt {
	return kgo.WithHooks(&fatalHook{fn: fn})
}

// ErrAuthentication marks the errors OnFatal reports.
var ErrAuthentication = errors.New("authentication failed")

// errLogin marks a client-side login that cannot succeed: the token
// endpoint refused the client credentials, no AWS credentials exist.
var errLogin = errors.New("login failed")

type fatalHook struct {
	once sync.Once
	fn   func(error)
	sasl *saslWatch // nil without SASL

	mu         sync.Mutex
	droppedN   int  // consecutive connections closed during SASL
	firstReadN int  // consecutive connections closed at their first request
	armed      bool // a connection was set up since the last hang-up counted
}

// closedDuringSASL is how many connections in a row the broker must close
// in the middle of the SASL exchange before it counts as rejected
// credentials (some brokers, and kfake, answer a wrong password so).
const closedDuringSASL = 2

// firstReadEOFs is how many connections in a row the broker must close at
// the first request before the security settings count as mismatched.
const firstReadEOFs = 3

func (h *fatalHook) OnBrokerConnect(meta kgo.BrokerMetadata, _ time.Duration, _ net.Conn, err error) {
	var fatal error
	switch {
	case err == nil:
		h.mu.Lock()
		h.droppedN = 0
		h.armed = true
		h.mu.Unlock()
		return
	case IsFatal(err):
		fatal = err
	case errors.As(err, new(*kgo.ErrFirstReadEOF)):
		h.firstReadEOF(meta, err, true)
		return
	case h.sasl != nil && h.sasl.unfinished.Swap(0) > 0:
		h.mu.Lock()
		h.droppedN++
		n := h.droppedN
		h.mu.Unlock()
		if n < closedDuringSASL {
			return
		}
		fatal = fmt.Errorf("the broker closed the connection during SASL %s authentication %d times in a row (rejected credentials?): %w", h.sasl.Name(), n, err)
	default:
		return
	}
	h.once.Do(func() {
		h.fn(fmt.Errorf("%w: connecting to Kafka broker %s:%d: %w", ErrAuthentication, meta.Host, meta.Port, fatal))
	})
}

// OnBrokerE2E sees the broker hang up on the first request after a
// connection was set up, when it expects TLS or SASL that the client does
// not speak. Only one such hang-up counts per connection set up, so a
// broker restart cutting many requests at once does not count. The Java
// task fails the same way once max.block.ms runs out.
func (h *fatalHook) OnBrokerE2E(meta kgo.BrokerMetadata, key int16, e2e kgo.BrokerE2E) {
	switch kmsg.Key(key) {
	case kmsg.ApiVersions, kmsg.SASLHandshake, kmsg.SASLAuthenticate:
		// Connection setup answers even when the broker then hangs up.
		return
	}
	err := e2e.Err()
	if err == nil {
		h.mu.Lock()
		h.firstReadN = 0
		h.mu.Unlock()
		return
	}
	if errors.Is(err, io.EOF) || errors.As(err, new(*kgo.ErrFirstReadEOF)) {
		h.firstReadEOF(meta, err, false)
	}
}

func (h *fatalHook) firstReadEOF(meta kgo.BrokerMetadata, err error, atConnect bool) {
	h.mu.Lock()
	if !atConnect && !h.armed {
		h.mu.Unlock()
		return
	}
	h.armed = false
	h.firstReadN++
	n := h.firstReadN
	h.mu.Unlock()
	if n < firstReadEOFs {
		return
	}
	if errors.Is(err, io.EOF) && !errors.As(err, new(*kgo.ErrFirstReadEOF)) {
		err = fmt.Errorf("the broker closed the connection at the first request after connecting, which happens when it requires TLS or SASL that %s does not configure: %w", SecurityProtocol, err)
	}
	h.once.Do(func() {
		h.fn(fmt.Errorf("%w: connecting to Kafka broker %s:%d: %d connections in a row: %w", ErrAuthentication, meta.Host, meta.Port, n, err))
	})
}

// saslWatch counts SASL exchanges begun and not completed.
type saslWatch struct {
	sasl.Mechanism
	unfinished atomic.Int32
}

func (w *saslWatch) Authenticate(ctx context.Context, host string) (sasl.Session, []byte, error) {
	s, first, err := w.Mechanism.Authenticate(ctx, host)
	if err != nil {
		return nil, nil, err
	}
	w.unfinished.Add(1)
	return &watchedSession{Session: s, w: w}, first, nil
}

type watchedSession struct {
	sasl.Session
	w    *saslWatch
	done bool
}

func (s *watchedSession) Challenge(b []byte) (bool, []byte, error) {
	done, next, err := s.Session.Challenge(b)
	if done && err == nil && !s.done {
		s.done = true
		s.w.unfinished.Add(-1)
	}
	return done, next, err
}

// IsFatal tells whether a connection error is an authentication or TLS
// failure that retrying cannot fix.
func IsFatal(err error) bool {
	if errors.Is(err, kerr.SaslAuthenticationFailed) || errors.Is(err, kerr.UnsupportedSaslMechanism) ||
		errors.Is(err, kerr.IllegalSaslState) || errors.Is(err, errLogin) {
		return true
	}
	// The peer's TLS alert (bad or missing client certificate, protocol
	// version) comes back as a "remote error".
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return true
	}
	// franz-go's diagnosis of a plain-text client talking to a TLS
	// listener (the broker's alert read as a response size).
	if strings.Contains(err.Error(), "is this a plaintext connection speaking to a tls endpoint") {
		return true
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		alert     tls.AlertError
		header    tls.RecordHeaderError
		verify    *tls.CertificateVerificationError
	)
	return errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) ||
		errors.As(err, &alert) || errors.As(err, &header) || errors.As(err, &verify)
}
