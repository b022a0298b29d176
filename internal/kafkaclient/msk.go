package kafkaclient

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/aws"

	"github.com/goconnect/goconnect/internal/jaas"
)

// mskMechanism builds AWS_MSK_IAM with credentials found as the AWS SDK's
// default chain finds them, minus the parts that need STS: the environment
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), a profile
// with static keys in the shared credentials/config files (awsProfileName,
// else AWS_PROFILE), the ECS task role (AWS_CONTAINER_CREDENTIALS_*), then the
// EC2 instance role (IMDSv2). Assuming a role (awsRoleArn, or a profile with
// role_arn), SSO and credential_process profiles need STS or an external
// tool and are refused at start.
func mskMechanism(props map[string]string, m jaas.LoginModule) (sasl.Mechanism, error) {
	for _, k := range []string{"awsRoleArn", "awsRoleAccessKeyId", "awsRoleSecretAccessKey", "awsRoleSessionName", "awsStsRegion"} {
		if m.Options[k] != "" {
			return nil, fmt.Errorf("%s: IAMLoginModule option %s (assuming a role through STS) is not supported by goconnect; give the role's credentials through the environment, a profile with static keys, or the ECS task role", SASLJAASConfig, k)
		}
	}
	profile := m.Options["awsProfileName"]
	c := &awsCreds{env: os.Getenv, http: &http.Client{Timeout: 5 * time.Second}, now: time.Now}
	if profile != "" {
		// A named profile is the only source, as in the MSK library.
		if _, err := c.fromProfile(profile); err != nil {
			return nil, fmt.Errorf("%s: awsProfileName=%s: %w", SASLJAASConfig, profile, err)
		}
		c.profile = profile
	}
	return aws.ManagedStreamingIAM(c.get), nil
}

type awsCreds struct {
	env     func(string) string
	http    *http.Client
	now     func() time.Time
	profile string // awsProfileName: only this profile

	mu      sync.Mutex
	cached  aws.Auth
	expires time.Time // zero: never (static keys)
}

func (c *awsCreds) get(ctx context.Context) (aws.Auth, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cached.AccessKey != "" && (c.expires.IsZero() || c.now().Add(5*time.Minute).Before(c.expires)) {
		return c.cached, nil
	}
	a, exp, err := c.resolve(ctx)
	if err != nil {
		return aws.Auth{}, err
	}
	c.cached, c.expires = a, exp
	return a, nil
}

func (c *awsCreds) resolve(ctx context.Context) (aws.Auth, time.Time, error) {
	if c.profile != "" {
		a, err := c.fromProfile(c.profile)
		return a, time.Time{}, err
	}
	if id, secret := c.env("AWS_ACCESS_KEY_ID"), c.env("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		return aws.Auth{AccessKey: id, SecretKey: secret, SessionToken: c.env("AWS_SESSION_TOKEN")}, time.Time{}, nil
	}
	if p := c.env("AWS_PROFILE"); p != "" {
		a, err := c.fromProfile(p)
		return a, time.Time{}, err
	}
	if a, err := c.fromProfile("default"); err == nil {
		return a, time.Time{}, nil
	}
	if c.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != "" || c.env("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" {
		return c.fromContainer(ctx)
	}
	a, exp, err := c.fromIMDS(ctx)
	if err != nil {
		return aws.Auth{}, time.Time{}, fmt.Errorf("%w: AWS_MSK_IAM: no AWS credentials found (environment, shared profile, ECS task role, EC2 instance role): %w", errLogin, err)
	}
	return a, exp, nil
}

// fromProfile reads static keys of a profile from the shared credentials
// file, then the config file.
func (c *awsCreds) fromProfile(name string) (aws.Auth, error) {
	home, _ := os.UserHomeDir()
	credFile := firstSet(c.env("AWS_SHARED_CREDENTIALS_FILE"), filepath.Join(home, ".aws", "credentials"))
	confFile := firstSet(c.env("AWS_CONFIG_FILE"), filepath.Join(home, ".aws", "config"))
	for _, f := range []struct{ path, section string }{{credFile, name}, {confFile, "profile " + name}, {confFile, name}} {
		kv, err := iniSection(f.path, f.section)
		if err != nil || kv == nil {
			continue
		}
		for _, k := range []string{"role_arn", "sso_start_url", "sso_session", "credential_process", "web_identity_token_file"} {
			if kv[k] != "" {
				return aws.Auth{}, fmt.Errorf("profile %s in %s uses %s, which goconnect does not support (static keys only)", name, f.path, k)
			}
		}
		if kv["aws_access_key_id"] != "" && kv["aws_secret_access_key"] != "" {
			return aws.Auth{AccessKey: kv["aws_access_key_id"], SecretKey: kv["aws_secret_access_key"], SessionToken: kv["aws_session_token"]}, nil
		}
	}
	return aws.Auth{}, fmt.Errorf("profile %s has no aws_access_key_id/aws_secret_access_key in %s or %s", name, credFile, confFile)
}

// iniSection returns the keys of [section] in an AWS INI file, nil when
// the file or the section is missing.
func iniSection(path, section string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var kv map[string]string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if line[0] == '[' && strings.HasSuffix(line, "]") {
			in = strings.TrimSpace(line[1:len(line)-1]) == section
			if in && kv == nil {
				kv = map[string]string{}
			}
			continue
		}
		if k, v, ok := strings.Cut(line, "="); ok && in {
			kv[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return kv, sc.Err()
}

type awsJSONCreds struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
}

func (j awsJSONCreds) auth(source string) (aws.Auth, time.Time, error) {
	if j.AccessKeyID == "" || j.SecretAccessKey == "" {
		return aws.Auth{}, time.Time{}, fmt.Errorf("%s answered without AccessKeyId/SecretAccessKey", source)
	}
	exp, _ := time.Parse(time.RFC3339, j.Expiration)
	return aws.Auth{AccessKey: j.AccessKeyID, SecretKey: j.SecretAccessKey, SessionToken: j.Token}, exp, nil
}

// fromContainer reads the ECS (or EKS Pod Identity) credentials endpoint.
func (c *awsCreds) fromContainer(ctx context.Context) (aws.Auth, time.Time, error) {
	u := c.env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
	if rel := c.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"); rel != "" {
		u = "http://169.254.170.2" + rel
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return aws.Auth{}, time.Time{}, fmt.Errorf("container credentials URI %s: %w", u, err)
	}
	tok := c.env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
	if f := c.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return aws.Auth{}, time.Time{}, fmt.Errorf("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %w", err)
		}
		tok = strings.TrimSpace(string(b))
	}
	if tok != "" {
		req.Header.Set("Authorization", tok)
	}
	var j awsJSONCreds
	if err := c.getJSON(req, &j); err != nil {
		return aws.Auth{}, time.Time{}, fmt.Errorf("container credentials %s: %w", u, err)
	}
	return j.auth("container credentials endpoint")
}

// fromIMDS reads the EC2 instance role through IMDSv2.
func (c *awsCreds) fromIMDS(ctx context.Context) (aws.Auth, time.Time, error) {
	base := firstSet(c.env("AWS_EC2_METADATA_SERVICE_ENDPOINT"), "http://169.254.169.254")
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPut, base+"/latest/api/token", nil)
	req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "21600")
	resp, err := c.http.Do(req)
	if err != nil {
		return aws.Auth{}, time.Time{}, fmt.Errorf("EC2 instance metadata: %w", err)
	}
	tokBytes, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return aws.Auth{}, time.Time{}, fmt.Errorf("EC2 instance metadata token: HTTP %d", resp.StatusCode)
	}
	get := func(path string) ([]byte, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
		req.Header.Set("X-aws-ec2-metadata-token", string(tokBytes))
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("HTTP %d for %s", resp.StatusCode, path)
		}
		return io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	}
	role, err := get("/latest/meta-data/iam/security-credentials/")
	if err != nil {
		return aws.Auth{}, time.Time{}, fmt.Errorf("EC2 instance role: %w", err)
	}
	name := strings.TrimSpace(strings.SplitN(string(role), "\n", 2)[0])
	if name == "" {
		return aws.Auth{}, time.Time{}, errors.New("EC2 instance has no role")
	}
	body, err := get("/latest/meta-data/iam/security-credentials/" + name)
	if err != nil {
		return aws.Auth{}, time.Time{}, fmt.Errorf("EC2 instance role %s: %w", name, err)
	}
	var j awsJSONCreds
	if err := json.Unmarshal(body, &j); err != nil {
		return aws.Auth{}, time.Time{}, fmt.Errorf("EC2 instance role %s: %w", name, err)
	}
	return j.auth("EC2 instance metadata")
}

func (c *awsCreds) getJSON(req *http.Request, v any) error {
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(body))
	}
	return json.Unmarshal(body, v)
}
