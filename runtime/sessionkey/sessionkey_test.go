package sessionkey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	k, err := Generate("HmacSHA256", 0, time.Now())
	if err != nil || len(k.Secret) != 32 {
		t.Fatalf("default HmacSHA256 key: %d bytes, %v", len(k.Secret), err)
	}
	if k, err := Generate("HmacSHA256", 512, time.Now()); err != nil || len(k.Secret) != 64 {
		t.Fatalf("512-bit key: %d bytes, %v", len(k.Secret), err)
	}
	if _, err := Generate("HmacMD5x", 0, time.Now()); err == nil {
		t.Fatal("unknown algorithm accepted")
	}
	body := []byte(`[{"k":"v"}]`)
	sig, err := Sign(k.Secret, "HmacSHA256", body)
	if err != nil {
		t.Fatal(err)
	}
	// The JDK's HmacSHA256 is RFC 2104 HMAC-SHA256, base64 as Connect sends it.
	mac := hmac.New(sha256.New, k.Secret)
	mac.Write(body)
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want {
		t.Fatalf("signature %s, want %s", sig, want)
	}
	if ok, err := Valid(k.Secret, "HmacSHA256", sig, body); !ok || err != nil {
		t.Fatalf("own signature rejected: %v", err)
	}
	if ok, _ := Valid(k.Secret, "HmacSHA256", sig, []byte(`[{"k":"w"}]`)); ok {
		t.Fatal("signature accepted for another body")
	}
	other, _ := Generate("HmacSHA256", 0, time.Now())
	if ok, _ := Valid(other.Secret, "HmacSHA256", sig, body); ok {
		t.Fatal("signature accepted under another key")
	}
	if _, err := Valid(k.Secret, "HmacSHA256", "not base64!", body); err == nil {
		t.Fatal("bad base64 accepted")
	}
}
