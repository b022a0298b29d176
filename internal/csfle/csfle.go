// Package csfle holds the cryptography of Confluent's client-side field
// level encryption: the local-kms key-encryption AEAD and the data
// encryption keys (DEKs) of the three algorithms Confluent's Cryptor
// offers, in the byte layouts Confluent's clients (through Tink) use, so
// that ciphertexts and key material cross between goconnect and them.
//
// Shared by the DEK registry (shared KEKs) and the rule executor of the
// schema-registry converters.
package csfle

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// LocalKMSType is the kmsType of Confluent's LocalKmsDriver.
const LocalKMSType = "local-kms"

// DEK algorithms (Confluent's DekFormat).
const (
	AES128GCM = "AES128_GCM"
	AES256GCM = "AES256_GCM"
	AES256SIV = "AES256_SIV"
)

// LocalKMS is Confluent's local-kms: AES-128-GCM keyed by HKDF-SHA256 of
// a secret (no salt, no info), ciphertexts as Tink's RAW AES-GCM writes
// them (12-byte IV, ciphertext, 16-byte tag), no associated data.
type LocalKMS struct{ aead cipher.AEAD }

// NewLocalKMS derives the local-kms key from secret.
func NewLocalKMS(secret string) (*LocalKMS, error) {
	prk, err := hkdf.Extract(sha256.New, []byte(secret), nil)
	if err != nil {
		return nil, err
	}
	key, err := hkdf.Expand(sha256.New, prk, "", 16)
	if err != nil {
		return nil, err
	}
	g, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &LocalKMS{aead: g}, nil
}

// Encrypt encrypts a DEK's key material.
func (k *LocalKMS) Encrypt(plain []byte) []byte { return sealGCM(k.aead, plain) }

// Decrypt decrypts what Encrypt (or Confluent's LocalKmsClient) wrote.
func (k *LocalKMS) Decrypt(ct []byte) ([]byte, error) { return openGCM(k.aead, ct) }

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func sealGCM(g cipher.AEAD, plain []byte) []byte {
	iv := make([]byte, g.NonceSize(), g.NonceSize()+len(plain)+g.Overhead())
	_, _ = rand.Read(iv)
	return g.Seal(iv, iv, plain, nil)
}

func openGCM(g cipher.AEAD, ct []byte) ([]byte, error) {
	n := g.NonceSize()
	if len(ct) < n+g.Overhead() {
		return nil, errors.New("ciphertext too short")
	}
	return g.Open(nil, ct[:n], ct[n:], nil)
}

// keyField is the protobuf field holding key_value in Tink's serialized
// key of each algorithm (AesGcmKey: 3, AesSivKey: 2), and the key size.
func keyField(algorithm string) (protowire.Number, int, error) {
	switch algorithm {
	case AES128GCM:
		return 3, 16, nil
	case AES256GCM:
		return 3, 32, nil
	case AES256SIV:
		return 2, 64, nil
	}
	return 0, 0, fmt.Errorf("unknown DEK algorithm %q (want %s, %s or %s)", algorithm, AES128GCM, AES256GCM, AES256SIV)
}

// CheckAlgorithm fails for a name that is not one of Confluent's DEK
// algorithms.
func CheckAlgorithm(algorithm string) error {
	_, _, err := keyField(algorithm)
	return err
}

// NewDEK is a new DEK's key material as Confluent's Cryptor makes it:
// Tink's serialized key proto for the algorithm (version 0, random
// key_value).
func NewDEK(algorithm string) ([]byte, error) {
	field, size, err := keyField(algorithm)
	if err != nil {
		return nil, err
	}
	key := make([]byte, size)
	_, _ = rand.Read(key)
	return protowire.AppendBytes(protowire.AppendTag(nil, field, protowire.BytesType), key), nil
}

// Cipher encrypts and decrypts field values with one DEK: AES-GCM as
// Tink's RAW AEAD (IV, ciphertext, tag), AES-SIV as Tink's deterministic
// AEAD (SIV, ciphertext), always with empty associated data as
// Confluent's Cryptor.
type Cipher struct {
	gcm cipher.AEAD
	siv *siv
}

// NewCipher reads a DEK's key material (Tink's serialized key).
func NewCipher(algorithm string, material []byte) (*Cipher, error) {
	field, size, err := keyField(algorithm)
	if err != nil {
		return nil, err
	}
	key, err := keyValue(material, field)
	if err != nil {
		return nil, fmt.Errorf("%s key material: %w", algorithm, err)
	}
	if len(key) != size {
		return nil, fmt.Errorf("%s key material: a %d-byte key, want %d", algorithm, len(key), size)
	}
	if algorithm == AES256SIV {
		s, err := newSIV(key)
		if err != nil {
			return nil, err
		}
		return &Cipher{siv: s}, nil
	}
	g, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	return &Cipher{gcm: g}, nil
}

// keyValue reads key_value (field) from a serialized Tink key; its
// version (field 1) must be 0.
func keyValue(b []byte, field protowire.Number) ([]byte, error) {
	var key []byte
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		b = b[n:]
		switch {
		case num == field && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			key, b = v, b[n:]
		case num == 1 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			if v != 0 {
				return nil, fmt.Errorf("key version %d, want 0", v)
			}
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, protowire.ParseError(n)
			}
			b = b[n:]
		}
	}
	if key == nil {
		return nil, errors.New("no key_value")
	}
	return key, nil
}

// Encrypt encrypts plain.
func (c *Cipher) Encrypt(plain []byte) []byte {
	if c.siv != nil {
		return c.siv.seal(emptyAD, plain)
	}
	return sealGCM(c.gcm, plain)
}

// Decrypt decrypts ct.
func (c *Cipher) Decrypt(ct []byte) ([]byte, error) {
	if c.siv != nil {
		return c.siv.open(emptyAD, ct)
	}
	return openGCM(c.gcm, ct)
}
