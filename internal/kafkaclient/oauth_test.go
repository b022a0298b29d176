package kafkaclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sasl"

	"github.com/goconnect/goconnect/internal/jaas"
)

func jwt(claims map[string]any) string {
	p, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"RS256"}`)) + "." + enc.EncodeToString(p) + ".c2ln"
}

// tokenServer is a client-credentials token endpoint that counts requests
// and issues tokens valid for life.
type tokenServer struct {
	*httptest.Server
	requests atomic.Int32
	mu       sync.Mutex
	lastForm string
	lastAuth string
	life     time.Duration
	status   int
}

func newTokenServer(t *testing.T, life time.Duration) *tokenServer {
	ts := &tokenServer{life: life, status: http.StatusOK}
	ts.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := ts.requests.Add(1)
		_ = r.ParseForm()
		ts.mu.Lock()
		ts.lastForm, ts.lastAuth = r.PostForm.Encode(), r.Header.Get("Authorization")
		status := ts.status
		ts.mu.Unlock()
		if status != http.StatusOK {
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		now := time.Now()
		tok := jwt(map[string]any{"sub": "connect-worker", "iat": now.Unix(), "exp": now.Add(ts.life).Unix(), "scope": "kafka", "n": n})
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": int(ts.life.Seconds())})
	}))
	t.Cleanup(ts.Close)
	return ts
}

func oauthProps(endpoint string) map[string]string {
	return map[string]string{
		SecurityProtocol:         "SASL_PLAINTEXT",
		SASLMechanism:            "OAUTHBEARER",
		SASLLoginCallbackHandler: "org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler",
		OAuthTokenEndpointURL:    endpoint,
		SASLJAASConfig: `org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required
			clientId="connect worker" clientSecret="s3:cr/t" scope="kafka:write kafka:read" extension_logicalCluster="lkc-1";`,
	}
}

// firstMessage runs the mechanism's first step, the message franz-go sends
// the broker, which carries the token.
func firstMessage(t *testing.T, m sasl.Mechanism) string {
	t.Helper()
	_, msg, err := m.Authenticate(context.Background(), "broker:9092")
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

func TestOAuthClientCredentialsCachesAndRefreshes(t *testing.T) {
	ts := newTokenServer(t, time.Hour)
	props := oauthProps(ts.URL)
	props[LoginRefreshWindowFactor] = "0.5"
	props[LoginRefreshWindowJitter] = "0"
	props[LoginRefreshBufferSeconds] = "0"
	props[LoginRefreshMinPeriodSeconds] = "0"
	mods, err := jaas.ParseConfig(props[SASLJAASConfig])
	if err != nil {
		t.Fatal(err)
	}
	src, err := newTokenSource(props, mods[0], ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	src.now = func() time.Time { return clock }

	first, err := src.token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The request is Kafka's: Basic auth of clientId:clientSecret (not
	// URL-encoded by default), grant_type and scope in the form.
	ts.mu.Lock()
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("connect worker:s3:cr/t"))
	if ts.lastAuth != wantAuth || ts.lastForm != "grant_type=client_credentials&scope=kafka%3Awrite+kafka%3Aread" {
		t.Fatalf("request: auth %q form %q", ts.lastAuth, ts.lastForm)
	}
	ts.mu.Unlock()
	// Many connections, one request.
	for range 20 {
		tok, err := src.token(context.Background())
		if err != nil || tok != first {
			t.Fatalf("cached token changed: %v", err)
		}
	}
	clock = clock.Add(29 * time.Minute)
	if tok, _ := src.token(context.Background()); tok != first || ts.requests.Load() != 1 {
		t.Fatalf("refreshed before half the lifetime: %d requests", ts.requests.Load())
	}
	// Past factor × lifetime: a new token.
	clock = clock.Add(2 * time.Minute)
	second, err := src.token(context.Background())
	if err != nil || second == first || ts.requests.Load() != 2 {
		t.Fatalf("no refresh after half the lifetime: %d requests, %v", ts.requests.Load(), err)
	}
	// A failing endpoint keeps the still valid token...
	ts.mu.Lock()
	ts.status = http.StatusUnauthorized
	ts.mu.Unlock()
	clock = clock.Add(20 * time.Minute) // refresh due, token valid (tokens expire an hour after real issue time)
	if tok, err := src.token(context.Background()); err != nil || tok != second {
		t.Fatalf("valid cached token not used while the endpoint fails: %v", err)
	}
	// ...and once it expired, the endpoint's error is the answer.
	clock = clock.Add(time.Hour)
	_, err = src.token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), OAuthTokenEndpointURL) {
		t.Fatalf("expired token and failing endpoint: %v", err)
	}
	// Refused client credentials fail the client at once (OnFatal).
	if !IsFatal(err) {
		t.Fatalf("a 401 from the token endpoint is not fatal: %v", err)
	}
}

func TestOAuthMechanismSendsTheToken(t *testing.T) {
	ts := newTokenServer(t, time.Hour)
	props := oauthProps(ts.URL)
	// Configuration wins over the JAAS options, as Kafka's ConfigOrJaas.
	props[OAuthClientID] = "from-config"
	props[OAuthHeaderURLEncode] = "true"
	m, err := mechanism(props)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		msg := firstMessage(t, m)
		if !strings.HasPrefix(msg, "n,,\x01auth=Bearer ey") || !strings.Contains(msg, "\x01logicalCluster=lkc-1\x01") {
			t.Fatalf("first OAUTHBEARER message %q", msg)
		}
	}
	if n := ts.requests.Load(); n != 1 {
		t.Fatalf("%d token requests for 3 connections, want 1", n)
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("from-config:s3%3Acr%2Ft")); ts.lastAuth != want {
		t.Fatalf("authorization %q, want %q", ts.lastAuth, want)
	}
}

func TestOAuthRejectsBadTokensAndSettings(t *testing.T) {
	var body atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(body.Load().(string)))
	}))
	defer srv.Close()
	for resp, want := range map[string]string{
		`{"token_type":"bearer"}`:                                           "no access_token",
		`{"access_token":"opaque"}`:                                         "not a JWT",
		`{"access_token":"` + jwt(map[string]any{"sub": "x"}) + `"}`:        "no numeric exp claim",
		`{"access_token":"` + jwt(map[string]any{"exp": 4102444800}) + `"}`: "no sub claim",
	} {
		body.Store(resp)
		m, err := mechanism(oauthProps(srv.URL))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := m.Authenticate(context.Background(), "b:1"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", resp, err, want)
		}
	}
	// A custom subject claim name is honoured.
	body.Store(`{"access_token":"` + jwt(map[string]any{"exp": 4102444800, "client_id": "c"}) + `"}`)
	props := oauthProps(srv.URL)
	props[OAuthSubClaimName] = "client_id"
	m, err := mechanism(props)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Authenticate(context.Background(), "b:1"); err != nil {
		t.Fatalf("sub claim name: %v", err)
	}
	for k, v := range map[string]string{
		OAuthTokenEndpointURL:    "ftp://x",
		LoginRefreshWindowFactor: "0.2",
		OAuthJWTRetrieverClass:   "org.apache.kafka.common.security.oauthbearer.JwtBearerJwtRetriever",
		SASLJAASConfig:           moduleOAuth + ` required clientSecret="s";`,
	} {
		props := oauthProps(srv.URL)
		props[k] = v
		if _, err := Options(props, nil); err == nil || !strings.Contains(err.Error(), k) && !strings.Contains(err.Error(), "clientId") {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
	// Without a token endpoint: Kafka's unsecured tokens.
	m, err = mechanism(map[string]string{SASLMechanism: "OAUTHBEARER",
		SASLJAASConfig: moduleOAuth + ` required unsecuredLoginStringClaim_sub="admin";`})
	if err != nil {
		t.Fatal(err)
	}
	if msg := firstMessage(t, m); !strings.Contains(msg, "auth=Bearer eyJhbGciOiJub25lIn0.") {
		t.Fatalf("unsecured token message %q", msg)
	}
}
