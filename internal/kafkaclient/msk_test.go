package kafkaclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func mskProps(options string) map[string]string {
	return map[string]string{
		SecurityProtocol:          "SASL_SSL",
		SASLMechanism:             "AWS_MSK_IAM",
		SASLJAASConfig:            moduleMSKIAM + " required" + options + ";",
		SASLClientCallbackHandler: handlerMSKIAM,
	}
}

// mskKeyID runs the mechanism's first step (the signed JSON the broker
// checks) and returns it.
func mskMessage(t *testing.T, props map[string]string) string {
	t.Helper()
	m, err := mechanism(props)
	if err != nil {
		t.Fatal(err)
	}
	_, msg, err := m.Authenticate(context.Background(), "b-1.msk.eu-west-1.amazonaws.com:9098")
	if err != nil {
		t.Fatal(err)
	}
	return string(msg)
}

func clearAWSEnv(t *testing.T) {
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"} {
		t.Setenv(k, "")
	}
	dir := t.TempDir()
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1")
}

func TestMSKIAMCredentialSources(t *testing.T) {
	clearAWSEnv(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAENVENVENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	if msg := mskMessage(t, mskProps("")); !strings.Contains(msg, "AKIAENVENVENV") || !strings.Contains(msg, "eu-west-1") {
		t.Fatalf("environment credentials not used: %s", msg)
	}

	// A named profile with static keys.
	clearAWSEnv(t)
	creds := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id=AKIADEFAULT\naws_secret_access_key=x\n\n[kafka]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = y\n[assumed]\nrole_arn=arn:aws:iam::1:role/r\nsource_profile=kafka\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if msg := mskMessage(t, mskProps(` awsProfileName="kafka"`)); !strings.Contains(msg, "AKIAPROFILE") {
		t.Fatalf("profile credentials not used: %s", msg)
	}
	if msg := mskMessage(t, mskProps("")); !strings.Contains(msg, "AKIADEFAULT") {
		t.Fatalf("default profile not used: %s", msg)
	}
	if _, err := Options(mskProps(` awsProfileName="assumed"`), nil); err == nil || !strings.Contains(err.Error(), "role_arn") {
		t.Fatalf("role profile: %v", err)
	}
	if _, err := Options(mskProps(` awsProfileName="missing"`), nil); err == nil || !strings.Contains(err.Error(), "awsProfileName=missing") {
		t.Fatalf("missing profile: %v", err)
	}

	// The ECS task role, fetched once and cached.
	clearAWSEnv(t)
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") != "tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"AccessKeyId":"ASIATASKROLE","SecretAccessKey":"s","Token":"session","Expiration":"2099-01-01T00:00:00Z"}`))
	}))
	defer srv.Close()
	t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/creds")
	t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok")
	m, err := mechanism(mskProps(""))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, msg, err := m.Authenticate(context.Background(), "b-1.msk.eu-west-1.amazonaws.com:9098")
		if err != nil || !strings.Contains(string(msg), "ASIATASKROLE") || !strings.Contains(string(msg), "session") {
			t.Fatalf("task role: %v %s", err, msg)
		}
	}
	if calls.Load() != 1 {
		t.Fatalf("%d credential requests, want 1", calls.Load())
	}

	// Nothing anywhere: a clear error at connection time.
	clearAWSEnv(t)
	m, err = mechanism(mskProps(""))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Authenticate(context.Background(), "b-1.msk.eu-west-1.amazonaws.com:9098"); err == nil || !strings.Contains(err.Error(), "no AWS credentials found") {
		t.Fatalf("no credentials: %v", err)
	}
}
