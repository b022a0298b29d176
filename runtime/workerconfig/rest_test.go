package workerconfig

import (
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/goconnect/goconnect/connect/config"
)

func TestRestListeners(t *testing.T) {
	base := map[string]string{KeyConverter: "x", ValueConverter: "y", OffsetStorageFile: "/tmp/o"}
	parse := func(extra map[string]string) *Worker {
		t.Helper()
		props := maps.Clone(base)
		maps.Copy(props, extra)
		w, err := ParseStandalone(props)
		if err != nil {
			t.Fatalf("%v: %v", extra, err)
		}
		return w
	}
	w := parse(map[string]string{Listeners: "HTTPS://127.0.0.1:8443, http://[::1]:8083", RestAdvertisedHostName: "c1"})
	want := []RestListener{{"https", "127.0.0.1", 8443}, {"http", "::1", 8083}}
	if !equalListeners(w.Rest.Listeners, want) || w.Rest.AdvertisedScheme != "http" || w.Rest.Advertised != 1 || w.WorkerID != "c1:8083" {
		t.Fatalf("mixed listeners: %+v worker id %s", w.Rest, w.WorkerID)
	}
	// Connect advertises https only when no listener is http.
	w = parse(map[string]string{Listeners: "https://:8443"})
	if w.Rest.AdvertisedScheme != "https" || w.Rest.Advertised != 0 || !strings.HasSuffix(w.WorkerID, ":8443") {
		t.Fatalf("https only: %+v %s", w.Rest, w.WorkerID)
	}
	w = parse(map[string]string{Listeners: "http://:8083,https://:8443", RestAdvertisedListener: "HTTPS", RestAdvertisedHostName: "c1"})
	if w.Rest.Advertised != 1 || w.WorkerID != "c1:8443" || w.RestAddr != ":8443" {
		t.Fatalf("rest.advertised.listener: %+v %s %s", w.Rest, w.WorkerID, w.RestAddr)
	}
	if w.AdoptListenPort(41000); w.WorkerID != "c1:41000" {
		t.Fatalf("adopted port: %s", w.WorkerID)
	}

	// admin.listeners: unset (on the main listeners), empty (off), or its own.
	if w = parse(nil); w.Rest.AdminDisabled || w.Rest.AdminListeners != nil {
		t.Fatalf("admin default: %+v", w.Rest)
	}
	if w = parse(map[string]string{AdminListeners: ""}); !w.Rest.AdminDisabled {
		t.Fatalf("admin.listeners empty: %+v", w.Rest)
	}
	w = parse(map[string]string{AdminListeners: "https://127.0.0.1:9443"})
	if w.Rest.AdminDisabled || !equalListeners(w.Rest.AdminListeners, []RestListener{{"https", "127.0.0.1", 9443}}) {
		t.Fatalf("admin.listeners: %+v", w.Rest)
	}

	// ssl.* for the listeners: the listeners.https. keys if any, else the top-level ones.
	w = parse(map[string]string{"ssl.keystore.location": "/top.jks", "ssl.keystore.password": "p",
		"listeners.https.ssl.keystore.location": "/rest.p12", "admin.listeners.https.ssl.client.auth": "required"})
	if w.Rest.TLS["ssl.keystore.location"] != "/rest.p12" || w.Rest.TLS["ssl.keystore.password"] != "" {
		t.Fatalf("listeners.https. scoping: %v", w.Rest.TLS)
	}
	if w.Rest.AdminTLS["ssl.client.auth"] != "required" || w.Rest.AdminTLS["ssl.keystore.location"] != "" {
		t.Fatalf("admin.listeners.https. scoping: %v", w.Rest.AdminTLS)
	}
	w = parse(map[string]string{"ssl.keystore.location": "/top.jks", "ssl.keystore.password": "p"})
	if w.Rest.TLS["ssl.keystore.location"] != "/top.jks" || w.Rest.TLS["ssl.keystore.password"] != "p" || w.Rest.AdminTLS["ssl.keystore.location"] != "/top.jks" {
		t.Fatalf("fallback to ssl.*: %v %v", w.Rest.TLS, w.Rest.AdminTLS)
	}

	if w = parse(map[string]string{RestExtensionClasses: BasicAuthExtension}); !w.Rest.BasicAuth {
		t.Fatal("basic auth extension not enabled")
	}

	for _, c := range []struct{ key, value, msg string }{
		{Listeners, "ftp://x:1", `Listener protocol must be either "http" or "https".`},
		{Listeners, "localhost:8083", "Listener doesn't have the right format (protocol://hostname:port)."},
		{Listeners, "http://:8083,,https://:8443", "Empty URL found when parsing listeners list."},
		{AdminListeners, "http://x", "Listener doesn't have the right format"},
		{RestExtensionClasses, "io.confluent.connect.security.ConnectSecurityExtension", "other extensions are Java classes"},
		{RestAdvertisedListener, "ftp", "String must be one of"},
	} {
		props := maps.Clone(base)
		props[c.key] = c.value
		_, err := ParseStandalone(props)
		var ce *config.Error
		if !errors.As(err, &ce) || ce.Key != c.key || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s=%q: error %v, want one naming the key with %q", c.key, c.value, err, c.msg)
		}
	}
}

func equalListeners(a, b []RestListener) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRestConsoleEnable(t *testing.T) {
	base := map[string]string{KeyConverter: "x", ValueConverter: "y", OffsetStorageFile: "/tmp/o"}
	w, err := ParseStandalone(base)
	if err != nil || !w.Rest.Console {
		t.Fatalf("default: console %v, %v", w != nil && w.Rest.Console, err)
	}
	// The container's variable names the key by the image's rule.
	env := FromEnv([]string{"CONNECT_REST_CONSOLE_ENABLE=false"})
	if env[RestConsoleEnable] != "false" {
		t.Fatalf("CONNECT_REST_CONSOLE_ENABLE → %v", env)
	}
	props := maps.Clone(base)
	maps.Copy(props, env)
	if w, err = ParseStandalone(props); err != nil || w.Rest.Console {
		t.Fatalf("rest.console.enable=false: console %v, %v", w != nil && w.Rest.Console, err)
	}
	props[RestConsoleEnable] = "off"
	if _, err = ParseStandalone(props); err == nil || !strings.Contains(err.Error(), RestConsoleEnable) {
		t.Fatalf("a value that is no boolean: %v", err)
	}
}
