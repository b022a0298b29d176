package kafkaclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/oauth"

	"github.com/goconnect/goconnect/internal/jaas"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// Login callback handlers Kafka ships for OAUTHBEARER clients: the
// client-credentials one (its current and its pre-3.1 name) and the
// default, unsecured one.
var (
	oauthHandlers = map[string]bool{
		"org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler":                              true,
		"org.apache.kafka.common.security.oauthbearer.secured.OAuthBearerLoginCallbackHandler":                      true,
		"org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredLoginCallbackHandler": false,
	}
	clientCredentialsRetrievers = map[string]bool{
		"": true,
		"org.apache.kafka.common.security.oauthbearer.ClientCredentialsJwtRetriever": true,
		"org.apache.kafka.common.security.oauthbearer.DefaultJwtRetriever":           true,
	}
)

// oauthMechanism builds OAUTHBEARER as Kafka's login callback handlers do:
// with sasl.oauthbearer.token.endpoint.url, tokens from the client
// credentials grant (or read from a file:// URL); without it, Kafka's
// unsecured tokens (unsecuredLoginStringClaim_sub), which only a broker
// configured for them accepts.
func oauthMechanism(props map[string]string, m jaas.LoginModule) (sasl.Mechanism, error) {
	handler := strings.TrimSpace(props[SASLLoginCallbackHandler])
	secured, known := oauthHandlers[handler]
	if handler != "" && !known {
		return nil, fmt.Errorf("%s: %s is not supported (supported: org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler)", SASLLoginCallbackHandler, handler)
	}
	endpoint := strings.TrimSpace(props[OAuthTokenEndpointURL])
	if handler == "" {
		secured = endpoint != ""
	}
	extensions := map[string]string{}
	for k, v := range m.Options {
		if name, ok := strings.CutPrefix(k, "extension_"); ok {
			extensions[name] = v
		}
	}
	if !secured {
		if endpoint != "" {
			return nil, fmt.Errorf("%s: set, but %s is the unsecured handler %s", OAuthTokenEndpointURL, SASLLoginCallbackHandler, handler)
		}
		tok, err := unsecuredToken(m.Options)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", SASLJAASConfig, err)
		}
		return oauth.Auth{Token: tok, Extensions: extensions}.AsMechanism(), nil
	}
	if endpoint == "" {
		return nil, fmt.Errorf("%s: missing; %s=%s needs the token endpoint", OAuthTokenEndpointURL, SASLLoginCallbackHandler, handler)
	}
	if r := strings.TrimSpace(props[OAuthJWTRetrieverClass]); !clientCredentialsRetrievers[r] {
		return nil, fmt.Errorf("%s: %s is not supported (only the client credentials grant is)", OAuthJWTRetrieverClass, r)
	}
	src, err := newTokenSource(props, m, endpoint)
	if err != nil {
		return nil, err
	}
	return oauth.Oauth(func(ctx context.Context) (oauth.Auth, error) {
		tok, err := src.token(ctx)
		if err != nil {
			return oauth.Auth{}, err
		}
		return oauth.Auth{Token: tok, Extensions: extensions}, nil
	}), nil
}

// unsecuredToken builds the unsigned JWT of Kafka's
// OAuthBearerUnsecuredLoginCallbackHandler.
func unsecuredToken(opts map[string]string) (string, error) {
	sub := opts["unsecuredLoginStringClaim_sub"]
	if sub == "" {
		return "", errors.New("OAUTHBEARER without " + OAuthTokenEndpointURL + " uses unsecured tokens, which need the option unsecuredLoginStringClaim_sub")
	}
	life := int64(3600)
	if s := opts["unsecuredLoginLifetimeSeconds"]; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return "", fmt.Errorf("option unsecuredLoginLifetimeSeconds: %q is not a positive number", s)
		}
		life = n
	}
	now := time.Now().Unix()
	claims := map[string]any{"sub": sub, "iat": now, "exp": now + life}
	for k, v := range opts {
		if name, ok := strings.CutPrefix(k, "unsecuredLoginStringClaim_"); ok && name != "sub" {
			claims[name] = v
		}
	}
	if s := opts["unsecuredLoginListClaim_scope"]; s != "" && len(s) > 1 {
		// The first character separates the items, as in Kafka.
		claims["scope"] = strings.Split(s[1:], s[:1])
	}
	payload, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(payload) + ".", nil
}

// tokenSource fetches access tokens with the client credentials grant and
// keeps each until its refresh time, computed from the token's own exp claim
// with Kafka's sasl.login.refresh.* rules. franz-go asks for a token on every
// connection and re-authentication; all of them share the cached one.
type tokenSource struct {
	endpoint     *url.URL
	client       *http.Client
	authz        string // Basic header value
	scope        string
	subClaim     string
	scopeClaim   string
	factor       float64
	jitter       float64
	minPeriod    time.Duration
	buffer       time.Duration
	now          func() time.Time
	mu           sync.Mutex
	cached       string
	refreshAt    time.Time
	expiresAt    time.Time
	fetchesTotal int
}

func newTokenSource(props map[string]string, m jaas.LoginModule, endpoint string) (*tokenSource, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "file") {
		return nil, fmt.Errorf("%s: %q is not an http(s):// or file:// URL", OAuthTokenEndpointURL, endpoint)
	}
	s := &tokenSource{endpoint: u, now: time.Now, subClaim: "sub", scopeClaim: "scope",
		factor: 0.8, jitter: 0.05, minPeriod: 60 * time.Second, buffer: 300 * time.Second}
	if v := strings.TrimSpace(props[OAuthSubClaimName]); v != "" {
		s.subClaim = v
	}
	if v := strings.TrimSpace(props[OAuthScopeClaimName]); v != "" {
		s.scopeClaim = v
	}
	if s.factor, err = floatIn(props, LoginRefreshWindowFactor, 0.8, 0.5, 1.0); err != nil {
		return nil, err
	}
	if s.jitter, err = floatIn(props, LoginRefreshWindowJitter, 0.05, 0, 0.25); err != nil {
		return nil, err
	}
	minPeriod, err := intIn(props, LoginRefreshMinPeriodSeconds, 60, 0, 900)
	if err != nil {
		return nil, err
	}
	buffer, err := intIn(props, LoginRefreshBufferSeconds, 300, 0, 3600)
	if err != nil {
		return nil, err
	}
	s.minPeriod, s.buffer = time.Duration(minPeriod)*time.Second, time.Duration(buffer)*time.Second
	if u.Scheme == "file" {
		return s, nil
	}
	// Configuration first, then the JAAS options, as Kafka's ConfigOrJaas.
	id := firstSet(props[OAuthClientID], m.Options["clientId"])
	secret := firstSet(props[OAuthClientSecret], m.Options["clientSecret"])
	s.scope = strings.TrimSpace(firstSet(props[OAuthScope], m.Options["scope"]))
	if id == "" {
		return nil, fmt.Errorf("%s: option clientId missing (or set %s)", SASLJAASConfig, OAuthClientID)
	}
	if secret == "" {
		return nil, fmt.Errorf("%s: option clientSecret missing (or set %s)", SASLJAASConfig, OAuthClientSecret)
	}
	if isTrue(props[OAuthHeaderURLEncode]) {
		id, secret = url.QueryEscape(id), url.QueryEscape(secret)
	}
	s.authz = "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
	connectTO, err := intIn(props, LoginConnectTimeoutMs, 10000, 0, 1<<31-1)
	if err != nil {
		return nil, err
	}
	readTO, err := intIn(props, LoginReadTimeoutMs, 10000, 0, 1<<31-1)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if u.Scheme == "https" {
		// Kafka's token retriever uses the client's ssl.* settings for an
		// https endpoint.
		if tr.TLSClientConfig, err = tlsconfig.Client(props); err != nil {
			return nil, fmt.Errorf("%s: %w", OAuthTokenEndpointURL, err)
		}
	}
	s.client = &http.Client{Transport: tr, Timeout: time.Duration(connectTO+readTO) * time.Millisecond}
	return s, nil
}

func firstSet(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// token returns the cached token until its refresh time, then a new one.
// When a refresh fails and the cached token is still valid, it is used.
func (s *tokenSource) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.cached != "" && now.Before(s.refreshAt) {
		return s.cached, nil
	}
	tok, err := s.fetch(ctx)
	if err == nil {
		var exp time.Time
		if exp, err = s.validate(tok); err == nil {
			s.cached, s.expiresAt = tok, exp
			s.refreshAt = s.refreshTime(now, exp)
			return tok, nil
		}
	}
	if s.cached != "" && now.Before(s.expiresAt) {
		return s.cached, nil
	}
	return "", err
}

// refreshTime follows ExpiringCredentialRefreshingLogin: at factor (plus
// jitter) of the lifetime, no later than buffer before expiry, and no
// sooner than the minimum period unless that would pass the expiry.
func (s *tokenSource) refreshTime(now, exp time.Time) time.Time {
	life := exp.Sub(now)
	if life <= 0 {
		return now
	}
	at := time.Duration(float64(life) * (s.factor + s.jitter*rand.Float64()))
	if limit := life - s.buffer; at > limit {
		at = limit
	}
	if at < s.minPeriod {
		at = s.minPeriod
	}
	if at >= life {
		at = time.Duration(float64(life) * s.factor)
	}
	return now.Add(at)
}

func (s *tokenSource) fetch(ctx context.Context) (string, error) {
	s.fetchesTotal++
	if s.endpoint.Scheme == "file" {
		b, err := os.ReadFile(s.endpoint.Path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", OAuthTokenEndpointURL, err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	form := "grant_type=client_credentials"
	if s.scope != "" {
		form += "&scope=" + url.QueryEscape(s.scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.endpoint.String(), strings.NewReader(form))
	if err != nil {
		return "", fmt.Errorf("%s: %w", OAuthTokenEndpointURL, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", s.authz)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cache-Control", "no-cache")
	resp, err := s.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%s: token request failed: %w", OAuthTokenEndpointURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("%s: reading the token response: %w", OAuthTokenEndpointURL, err)
	}
	if resp.StatusCode/100 == 4 {
		// Rejected client credentials: no retry helps (Kafka's retriever
		// does not retry them either).
		return "", fmt.Errorf("%w: %s: token endpoint answered %d: %s", errLogin, OAuthTokenEndpointURL, resp.StatusCode, snippet(body))
	}
	if resp.StatusCode/100 != 2 {
		return "", fmt.Errorf("%s: token endpoint answered %d: %s", OAuthTokenEndpointURL, resp.StatusCode, snippet(body))
	}
	var r struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.AccessToken == "" {
		return "", fmt.Errorf("%w: %s: the token response has no access_token: %s", errLogin, OAuthTokenEndpointURL, snippet(body))
	}
	return r.AccessToken, nil
}

// validate checks the token as Kafka's LoginAccessTokenValidator: a JWT
// with an exp claim and a string subject claim; it returns the expiry.
func (s *tokenSource) validate(tok string) (time.Time, error) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}, fmt.Errorf("%s: the access token is not a JWT (%d parts, expected 3)", OAuthTokenEndpointURL, len(parts))
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: the access token's payload is not base64url: %w", OAuthTokenEndpointURL, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		return time.Time{}, fmt.Errorf("%s: the access token's payload is not JSON: %w", OAuthTokenEndpointURL, err)
	}
	exp, ok := claims["exp"].(float64)
	if !ok {
		return time.Time{}, fmt.Errorf("%s: the access token has no numeric exp claim", OAuthTokenEndpointURL)
	}
	if sub, ok := claims[s.subClaim].(string); !ok || strings.TrimSpace(sub) == "" {
		return time.Time{}, fmt.Errorf("%s: the access token has no %s claim (%s)", OAuthTokenEndpointURL, s.subClaim, OAuthSubClaimName)
	}
	if sc, ok := claims[s.scopeClaim]; ok {
		switch sc.(type) {
		case string, []any:
		default:
			return time.Time{}, fmt.Errorf("%s: the access token's %s claim is neither a string nor a list (%s)", OAuthTokenEndpointURL, s.scopeClaim, OAuthScopeClaimName)
		}
	}
	return time.UnixMilli(int64(exp * 1000)), nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

func floatIn(props map[string]string, key string, def, lo, hi float64) (float64, error) {
	s := strings.TrimSpace(props[key])
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s: %q must be a number in [%g, %g]", key, s, lo, hi)
	}
	return v, nil
}

func intIn(props map[string]string, key string, def, lo, hi int64) (int64, error) {
	s := strings.TrimSpace(props[key])
	if s == "" {
		return def, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%s: %q must be a whole number in [%d, %d]", key, s, lo, hi)
	}
	return v, nil
}
