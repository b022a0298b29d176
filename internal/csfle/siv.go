package csfle

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
)

// siv is AES-SIV (RFC 5297) with one, empty, associated data component,
// as Tink's deterministic AEAD runs it for Confluent's AES256_SIV DEKs:
// the first half of the key authenticates (S2V over AES-CMAC), the second
// encrypts (AES-CTR from the synthetic IV); output SIV || ciphertext.
// The standard library has no SIV mode and no CMAC.
type siv struct {
	mac, ctr cipher.Block
}

func newSIV(key []byte) (*siv, error) {
	if len(key) != 32 && len(key) != 48 && len(key) != 64 {
		return nil, errors.New("AES-SIV key must be 32, 48 or 64 bytes")
	}
	mac, err := aes.NewCipher(key[:len(key)/2])
	if err != nil {
		return nil, err
	}
	ctr, err := aes.NewCipher(key[len(key)/2:])
	if err != nil {
		return nil, err
	}
	return &siv{mac: mac, ctr: ctr}, nil
}

// dbl is doubling in GF(2^128) (RFC 5297 section 2.3).
func dbl(b *[16]byte) {
	carry := b[0] >> 7
	for i := 0; i < 15; i++ {
		b[i] = b[i]<<1 | b[i+1]>>7
	}
	b[15] = b[15]<<1 ^ carry*0x87
}

// cmac is AES-CMAC (RFC 4493) of msg.
func (s *siv) cmac(msg []byte) [16]byte {
	var k1 [16]byte
	s.mac.Encrypt(k1[:], k1[:])
	dbl(&k1)
	k2 := k1
	dbl(&k2)
	var x [16]byte
	for len(msg) > 16 {
		subtle.XORBytes(x[:], x[:], msg[:16])
		s.mac.Encrypt(x[:], x[:])
		msg = msg[16:]
	}
	var last [16]byte
	copy(last[:], msg)
	if len(msg) == 16 {
		subtle.XORBytes(last[:], last[:], k1[:])
	} else {
		last[len(msg)] = 0x80
		subtle.XORBytes(last[:], last[:], k2[:])
	}
	subtle.XORBytes(x[:], x[:], last[:])
	s.mac.Encrypt(x[:], x[:])
	return x
}

// s2v is S2V over the associated data components ads and plaintext p.
func (s *siv) s2v(ads [][]byte, p []byte) [16]byte {
	d := s.cmac(make([]byte, 16))
	for _, a := range ads {
		dbl(&d)
		m := s.cmac(a)
		subtle.XORBytes(d[:], d[:], m[:])
	}
	if len(p) >= 16 {
		t := make([]byte, len(p))
		copy(t, p)
		subtle.XORBytes(t[len(t)-16:], t[len(t)-16:], d[:])
		return s.cmac(t)
	}
	dbl(&d)
	var t [16]byte
	copy(t[:], p)
	t[len(p)] = 0x80
	subtle.XORBytes(t[:], t[:], d[:])
	return s.cmac(t[:])
}

func (s *siv) xorCTR(v [16]byte, dst, src []byte) {
	// The counter is the SIV with bits 63 and 31 cleared.
	v[8] &= 0x7f
	v[12] &= 0x7f
	cipher.NewCTR(s.ctr, v[:]).XORKeyStream(dst, src)
}

// emptyAD is Confluent's associated data: one empty component.
var emptyAD = [][]byte{nil}

func (s *siv) seal(ads [][]byte, p []byte) []byte {
	v := s.s2v(ads, p)
	out := make([]byte, 16+len(p))
	copy(out, v[:])
	s.xorCTR(v, out[16:], p)
	return out
}

func (s *siv) open(ads [][]byte, ct []byte) ([]byte, error) {
	if len(ct) < 16 {
		return nil, errors.New("ciphertext too short")
	}
	var v [16]byte
	copy(v[:], ct)
	p := make([]byte, len(ct)-16)
	s.xorCTR(v, p, ct[16:])
	if t := s.s2v(ads, p); subtle.ConstantTimeCompare(t[:], v[:]) != 1 {
		return nil, errors.New("AES-SIV: message authentication failed")
	}
	return p, nil
}
