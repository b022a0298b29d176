package distributed

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/sessionkey"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// sessioned tells whether internal requests are signed and checked:
// under connect.protocol=sessioned (Connect's default), as Connect does
// from protocol version 2 on.
func (h *Herder) sessioned() bool { return h.cfg.ConnectProtocol == workerconfig.ProtocolSessioned }

// sessionKeyCheck is how often the leader looks whether the key must be
// rotated.
const sessionKeyCheck = time.Second

// keepSessionKey runs for the herder's life: while this worker leads, it
// writes a new session key when there is none, when the current one has
// lived inter.worker.key.ttl.ms, or when it has another algorithm or size
// than this worker's settings ask for (Connect's checkForKeyRotation).
func (h *Herder) keepSessionKey() {
	t := time.NewTicker(sessionKeyCheck)
	defer t.Stop()
	for {
		if h.Leading() && h.needsNewKey(h.configs.Snapshot().SessionKey, time.Now()) {
			k, err := sessionkey.Generate(h.cfg.InterWorkerKeyGenerationAlgorithm, int(h.cfg.InterWorkerKeySize), time.Now())
			if err == nil {
				err = h.configs.PutSessionKey(h.Context(), k)
			}
			if err != nil && h.Context().Err() == nil {
				h.log.Warn("could not distribute a new session key; retrying", "error", err)
			} else if err == nil {
				h.log.Info("distributed a new session key")
			}
		}
		select {
		case <-h.Context().Done():
			return
		case <-t.C:
		}
	}
}

func (h *Herder) needsNewKey(k *sessionkey.Key, now time.Time) bool {
	if k == nil {
		return true
	}
	if !k.Created.Add(h.cfg.InterWorkerKeyTTL).After(now) {
		return true
	}
	size := len(k.Secret) * 8
	want, err := sessionkey.Generate(h.cfg.InterWorkerKeyGenerationAlgorithm, int(h.cfg.InterWorkerKeySize), now)
	return k.Algorithm != h.cfg.InterWorkerKeyGenerationAlgorithm || err != nil || size != len(want.Secret)*8
}

// sessionKey returns the current key, nil when none was read yet.
func (h *Herder) sessionKey() *sessionkey.Key { return h.configs.Snapshot().SessionKey }

// verifySignature checks an internal request as Connect's
// requestNotSignedProperly does, with its statuses and messages.
func (h *Herder) verifySignature(sig sessionkey.Signed) error {
	if !h.sessioned() {
		return nil
	}
	if sig.Algorithm == "" || sig.Signature == "" {
		return herder.Errorf(herder.ErrBadRequest, "Internal request missing required signature")
	}
	if !sessionkey.Supported(sig.Algorithm) {
		return herder.Errorf(herder.ErrBadRequest, "Algorithm %s not available", sig.Algorithm)
	}
	if !slices.Contains(h.cfg.InterWorkerVerificationAlgorithms, sig.Algorithm) {
		return herder.Errorf(herder.ErrBadRequest, "This worker does not support the '%s' key signing algorithm used by other workers. "+
			"This worker is currently configured to use: [%s]. "+
			"Check that all workers' configuration files permit the same set of signature algorithms, "+
			"and correct any misconfigured worker and restart it.",
			sig.Algorithm, strings.Join(h.cfg.InterWorkerVerificationAlgorithms, ", "))
	}
	k := h.sessionKey()
	if k == nil {
		return herder.Errorf(herder.ErrUnavailable, "This worker is still starting up and has not been able to read a session key from the config topic yet")
	}
	ok, err := sessionkey.Valid(k.Secret, sig.Algorithm, sig.Signature, sig.Body)
	if err != nil {
		return herder.Errorf(herder.ErrBadRequest, "%s", err.Error())
	}
	if !ok {
		return herder.Errorf(herder.ErrForbidden, "Internal request contained invalid signature.")
	}
	return nil
}

// PutTaskConfigsSigned is the internal endpoint: the signature is checked
// before anything else, as in Connect.
func (h *Herder) PutTaskConfigsSigned(ctx context.Context, name string, configs []map[string]string, sig sessionkey.Signed) error {
	if err := h.verifySignature(sig); err != nil {
		return err
	}
	return h.PutTaskConfigs(ctx, name, configs)
}

// sign adds this worker's signature of body with set, when requests are
// signed and a key is known (without one, Connect sends the request
// unsigned and the leader refuses it until the key arrives).
func (h *Herder) sign(set func(k, v string), body []byte) error {
	if !h.sessioned() {
		return nil
	}
	k := h.sessionKey()
	if k == nil {
		return nil
	}
	sig, err := sessionkey.Sign(k.Secret, h.cfg.InterWorkerSignatureAlgorithm, body)
	if err != nil {
		return err
	}
	set(sessionkey.SignatureHeader, sig)
	set(sessionkey.AlgorithmHeader, h.cfg.InterWorkerSignatureAlgorithm)
	return nil
}
