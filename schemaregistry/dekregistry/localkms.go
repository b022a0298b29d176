package dekregistry

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
)

// LocalKMSType is the kmsType of Confluent's LocalKmsDriver.
const LocalKMSType = "local-kms"

// localKMS is Confluent's local-kms: AES-128-GCM keyed by HKDF-SHA256 of
// a secret (no salt, no info), ciphertexts as Tink's RAW AES-GCM writes
// them (12-byte IV, ciphertext, 16-byte tag), no associated data.
// Confluent's server reads the secret from its `secret` setting or the
// LOCAL_SECRET environment variable.
type localKMS struct{ aead cipher.AEAD }

func newLocalKMS(secret string) (*localKMS, error) {
	prk, err := hkdf.Extract(sha256.New, []byte(secret), nil)
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Expand(sha256.New, prk, "", 16)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &localKMS{aead: g}, nil
}

func (k *localKMS) encrypt(plain []byte) []byte {
	iv := make([]byte, k.aead.NonceSize())
	_, _ = rand.Read(iv)
	return k.aead.Seal(iv, iv, plain, nil)
}

func (k *localKMS) decrypt(ct []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(ct) < n+k.aead.Overhead() {
		return nil, fmt.Errorf("ciphertext too short")
	}
	return k.aead.Open(nil, ct[:n], ct[n:], nil)
}

// newRawDEK is a new DEK's key material as Confluent's Cryptor makes it:
// Tink's serialized key proto for the algorithm (AesGcmKey with a 16- or
// 32-byte key_value, field 3; AesSivKey with 64 bytes, field 2).
func newRawDEK(algorithm string) []byte {
	field, size := byte(0x1a), 32
	switch algorithm {
	case "AES128_GCM":
		size = 16
	case "AES256_SIV":
		field, size = 0x12, 64
	}
	key := make([]byte, size)
	_, _ = rand.Read(key)
	return append([]byte{field, byte(size)}, key...)
}
