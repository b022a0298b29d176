package tlsconfig

import (
	"errors"
	"fmt"
	"testing"
)

func TestRename(t *testing.T) {
	sentinel := errors.New("wrong password")
	base := fmt.Errorf("%s: %w for /x/trust.jks", TruststorePassword, sentinel)
	err := Rename(base, Prefix("elastic.https."))
	if want := "elastic.https.ssl.truststore.password: " + sentinel.Error() + " for /x/trust.jks"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	if !errors.Is(err, sentinel) {
		t.Fatal("errors.Is lost the wrapped error")
	}
	names := map[string]string{KeystoreLocation: "database.ssl.keystore", KeyPassword: "database.ssl.keystore.password"}
	err = Rename(fmt.Errorf("%s: set either %s or %s", KeystoreKey, KeystoreLocation, KeyPassword), func(n string) string {
		if v, ok := names[n]; ok {
			return v
		}
		return n
	})
	if want := "ssl.keystore.key: set either database.ssl.keystore or database.ssl.keystore.password"; err.Error() != want {
		t.Fatalf("got %q, want %q", err, want)
	}
	if Rename(nil, Prefix("x.")) != nil {
		t.Fatal("nil error renamed to non-nil")
	}
}

func TestSetting(t *testing.T) {
	for _, c := range []struct{ in, key, msg string }{
		{"a.b.location: a.b.password: wrong password for /x/y.jks", "a.b.password", "wrong password for /x/y.jks"},
		{"ssl.truststore.location: open /x: no such file", "ssl.truststore.location", "open /x: no such file"},
		{"no setting here: at all", "", "no setting here: at all"},
	} {
		key, msg := Setting(errors.New(c.in))
		if key != c.key || msg != c.msg {
			t.Errorf("%q: got (%q, %q), want (%q, %q)", c.in, key, msg, c.key, c.msg)
		}
	}
}
