// Package sessionkey signs and verifies the requests workers send each
// other (KIP-507), as Connect's sessioned protocol does: the leader
// writes a random key to the config topic (record "session-key"), a
// worker signs the body of an internal request with it (HMAC), and the
// receiver checks the signature before acting.
package sessionkey

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"time"
)

// Connect's headers of a signed request (InternalRequestSignature).
const (
	SignatureHeader = "X-Connect-Authorization"
	AlgorithmHeader = "X-Connect-Request-Signature-Algorithm"
)

// Key is a session key as the config topic holds it.
type Key struct {
	Secret    []byte
	Algorithm string // the Java KeyGenerator algorithm, e.g. HmacSHA256
	Created   time.Time
}

// macs are the Java Mac and KeyGenerator algorithms goconnect has, with
// the JDK's default key size in bytes.
var macs = map[string]struct {
	h    func() hash.Hash
	size int
}{
	"HmacSHA1":   {sha1.New, 64},
	"HmacSHA224": {sha256.New224, 28},
	"HmacSHA256": {sha256.New, 32},
	"HmacSHA384": {sha512.New384, 48},
	"HmacSHA512": {sha512.New, 64},
}

// Supported tells whether alg is an algorithm goconnect can sign or
// generate keys with.
func Supported(alg string) bool {
	_, ok := macs[alg]
	return ok
}

// Generate makes a new random key; bits 0 takes the algorithm's default
// size.
func Generate(alg string, bits int, now time.Time) (Key, error) {
	m, ok := macs[alg]
	if !ok {
		return Key{}, fmt.Errorf("unknown key generation algorithm %s", alg)
	}
	size := m.size
	if bits > 0 {
		if bits%8 != 0 {
			return Key{}, fmt.Errorf("key size %d is not a whole number of bytes", bits)
		}
		size = bits / 8
	}
	k := Key{Secret: make([]byte, size), Algorithm: alg, Created: now}
	if _, err := rand.Read(k.Secret); err != nil {
		return Key{}, fmt.Errorf("generating a session key: %w", err)
	}
	return k, nil
}

// Sign returns the base64 signature of body under key with alg.
func Sign(key []byte, alg string, body []byte) (string, error) {
	m, ok := macs[alg]
	if !ok {
		return "", fmt.Errorf("Algorithm %s not available", alg)
	}
	mac := hmac.New(m.h, key)
	mac.Write(body)
	return base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Valid tells whether sig (base64) is body's signature under key with alg.
func Valid(key []byte, alg, sig string, body []byte) (bool, error) {
	m, ok := macs[alg]
	if !ok {
		return false, fmt.Errorf("Algorithm %s not available", alg)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return false, fmt.Errorf("Illegal base64 signature: %w", err)
	}
	mac := hmac.New(m.h, key)
	mac.Write(body)
	return hmac.Equal(mac.Sum(nil), got), nil
}

// Signed is the signature an internal request came with: the two headers
// (empty when absent) and the body they sign.
type Signed struct {
	Algorithm string
	Signature string
	Body      []byte
}
