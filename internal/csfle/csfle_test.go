package csfle

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSIVRFC5297 is RFC 5297's appendix A.1 (deterministic authenticated
// encryption, one associated data component).
func TestSIVRFC5297(t *testing.T) {
	key := unhex(t, "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
	ad := unhex(t, "101112131415161718191a1b1c1d1e1f2021222324252627")
	plain := unhex(t, "112233445566778899aabbccddee")
	want := unhex(t, "85632d07c6e8f37f950acd320a2ecc9340c02b9690c4dc04daef7f6afe5c")
	s, err := newSIV(key)
	if err != nil {
		t.Fatal(err)
	}
	ads := [][]byte{ad}
	if got := s.seal(ads, plain); !bytes.Equal(got, want) {
		t.Fatalf("seal = %x, want %x", got, want)
	}
	if got, err := s.open(ads, want); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("open = %x, %v", got, err)
	}
	bad := append([]byte(nil), want...)
	bad[len(bad)-1] ^= 1
	if _, err := s.open(ads, bad); err == nil {
		t.Fatal("a changed ciphertext opened")
	}
}

// TestCipherAsTink checks ciphertexts Python tink 1.16.1 wrote (AES256_SIV
// deterministic, AES256_GCM RAW, empty associated data, keys 00 01 02 …)
// and the serialized key layouts.
func TestCipherAsTink(t *testing.T) {
	key64 := make([]byte, 64)
	for i := range key64 {
		key64[i] = byte(i)
	}
	sivKey := append([]byte{0x12, 0x40}, key64...)
	c, err := NewCipher(AES256SIV, sivKey)
	if err != nil {
		t.Fatal(err)
	}
	for plain, want := range map[string]string{
		"":                 "6ff5b8ef53fc365606cd3ea047374885",
		"123-45-6789":      "6a6db88cccf28aeffad05ad30bea44dc73933afd8395a6819b554e",
		"0123456789abcdef": "8ba03311101c886db60895317baa3c19da4ec84035679393050180b7899f3fdd",
		"a longer plaintext of more than one block!": "b1a667fd18246389605d81fae545b7785ea268ea100c39f6eb5f9949a082fb8bf1a3f1e88b43236d67b613dec14347fa7e46a6aa6a728744e9f4",
	} {
		if got := hex.EncodeToString(c.Encrypt([]byte(plain))); got != want {
			t.Errorf("SIV(%q) = %s, want %s", plain, got, want)
		}
		if got, err := c.Decrypt(unhex(t, want)); err != nil || string(got) != plain {
			t.Errorf("SIV open %q = %q, %v", want, got, err)
		}
	}
	gcmKey := append([]byte{0x1a, 0x20}, key64[:32]...)
	g, err := NewCipher(AES256GCM, gcmKey)
	if err != nil {
		t.Fatal(err)
	}
	ct := unhex(t, "1e7d0070a8f781ac60cacb54fc197319d6af3423a22855ccf8b732d8c5a06525bc7b123b2fa4ac")
	if got, err := g.Decrypt(ct); err != nil || string(got) != "123-45-6789" {
		t.Fatalf("GCM open = %q, %v", got, err)
	}
	// Ours: a fresh IV each time, 12 + len + 16 bytes, opens.
	a, b := g.Encrypt([]byte("x")), g.Encrypt([]byte("x"))
	if len(a) != 12+1+16 || bytes.Equal(a, b) {
		t.Fatalf("GCM ciphertexts %x, %x", a, b)
	}
	if got, err := g.Decrypt(a); err != nil || string(got) != "x" {
		t.Fatalf("GCM round trip = %q, %v", got, err)
	}
}

func TestNewDEKLayout(t *testing.T) {
	for alg, want := range map[string][]byte{AES128GCM: {0x1a, 16}, AES256GCM: {0x1a, 32}, AES256SIV: {0x12, 64}} {
		k, err := NewDEK(alg)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(k, want) || len(k) != 2+int(want[1]) {
			t.Errorf("%s key %x, want prefix %x", alg, k, want)
		}
		c, err := NewCipher(alg, k)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := c.Decrypt(c.Encrypt([]byte("pii"))); err != nil || string(got) != "pii" {
			t.Errorf("%s round trip %q %v", alg, got, err)
		}
	}
	if _, err := NewDEK("AES512"); err == nil {
		t.Error("unknown algorithm accepted")
	}
	if _, err := NewCipher(AES256GCM, []byte{0x1a, 16, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}); err == nil {
		t.Error("a 16-byte key accepted as AES256_GCM")
	}
	if _, err := NewCipher(AES256GCM, []byte{0x08, 1}); err == nil {
		t.Error("a key version 1 accepted")
	}
}
