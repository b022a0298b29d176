package distributed

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/goconnect/goconnect/builtin"
	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/kafkastate"
	"github.com/goconnect/goconnect/runtime/rest"
	"github.com/goconnect/goconnect/runtime/sessionkey"
	"github.com/goconnect/goconnect/runtime/status"
	"github.com/goconnect/goconnect/runtime/worker"
	"github.com/goconnect/goconnect/runtime/workerconfig"
)

// secureWorker is a distributed worker whose REST API is HTTPS only, with
// client certificates required and basic authentication, set up as the
// command sets it up.
type secureWorker struct {
	h   *Herder
	url string
}

func startSecureHerder(t *testing.T, brokers []string, p *testkit.PKI, jaas string) *secureWorker {
	t.Helper()
	props := map[string]string{
		"bootstrap.servers": strings.Join(brokers, ","), "group.id": "secure",
		"config.storage.topic": "secure-configs", "offset.storage.topic": "secure-offsets", "status.storage.topic": "secure-status",
		"config.storage.replication.factor": "1", "offset.storage.replication.factor": "1", "status.storage.replication.factor": "1",
		"offset.storage.partitions": "3", "status.storage.partitions": "2",
		"key.converter": "org.apache.kafka.connect.storage.StringConverter", "value.converter": "org.apache.kafka.connect.json.JsonConverter",
		"session.timeout.ms": "6000", "heartbeat.interval.ms": "500", "scheduled.rebalance.max.delay.ms": "0",
		"listeners": "https://127.0.0.1:0", "rest.advertised.host.name": "127.0.0.1",
		"listeners.https.ssl.keystore.type": "PKCS12", "listeners.https.ssl.keystore.location": p.ServerP12,
		"listeners.https.ssl.keystore.password": p.Password,
		"listeners.https.ssl.truststore.type":   "PEM", "listeners.https.ssl.truststore.location": p.CAFile,
		"listeners.https.ssl.client.auth": "required",
		"rest.extension.classes":          workerconfig.BasicAuthExtension,
		"inter.worker.key.ttl.ms":         "3600000",
	}
	cfg, err := workerconfig.ParseDistributed(props)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rest.Listen(cfg.Worker, cfg.AdoptListenPort, []string{"-Djava.security.auth.login.config=" + jaas}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.AdvertisedURL, "https://127.0.0.1:") {
		t.Fatalf("advertised URL %s", cfg.AdvertisedURL)
	}
	reg := builtin.Registry(cfg.PluginPath)
	log := slog.New(slog.DiscardHandler)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h, err := Start(ctx, Config{Worker: cfg, Registry: reg, Log: log, HTTPClient: rs.Client,
		NewWorker: func(offsets *kafkastate.OffsetStore, l status.Listener) *worker.Worker {
			return worker.New(cfg.Worker, reg, offsets, l, log)
		}})
	if err != nil {
		rs.Close()
		t.Fatal(err)
	}
	srvCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = rest.New(rs.Config(h)).ServeListeners(srvCtx, rs.Main, rs.Admin)
	}()
	t.Cleanup(func() {
		stop()
		<-done
		_ = h.Stop(context.Background())
	})
	return &secureWorker{h: h, url: cfg.AdvertisedURL}
}

// callAs sends a request over TLS with the test's client certificate.
func callAs(t *testing.T, c *http.Client, method, url, user, pass string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestForwardingOverHTTPSWithBasicAuth: two workers serving HTTPS with
// mTLS and basic auth. A create sent to the follower is forwarded to the
// leader with the caller's credentials; task configs reach the leader
// signed with the session key from the config topic; an internal request
// that is unsigned, or signed with another key, is refused with Connect's
// statuses and messages.
func TestForwardingOverHTTPSWithBasicAuth(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p := testkit.NewPKI(t)
	dir := t.TempDir()
	creds := filepath.Join(dir, "users.properties")
	os.WriteFile(creds, []byte("admin: adm1n\n"), 0o600)
	jaas := filepath.Join(dir, "jaas.conf")
	os.WriteFile(jaas, []byte(`KafkaConnect { org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required file="`+creds+`"; };`), 0o600)

	a, b := startSecureHerder(t, c.ListenAddrs(), p, jaas), startSecureHerder(t, c.ListenAddrs(), p, jaas)
	var leader, follower *secureWorker
	eventually(t, "a leader", func() bool {
		switch {
		case isLeader(a.h):
			leader, follower = a, b
		case isLeader(b.h):
			leader, follower = b, a
		}
		return leader != nil
	})
	eventually(t, "the follower knows the leader", func() bool {
		var fe *herder.ForwardError
		return errors.As(follower.h.LeaderCheck(), &fe) && fe.URL == leader.url && isLeader(leader.h)
	})
	eventually(t, "the session key read by both workers", func() bool {
		return a.h.sessionKey() != nil && b.h.sessionKey() != nil && string(a.h.sessionKey().Secret) == string(b.h.sessionKey().Secret)
	})
	if k := a.h.sessionKey(); k.Algorithm != "HmacSHA256" || len(k.Secret) != 32 {
		t.Fatalf("session key %s of %d bytes", k.Algorithm, len(k.Secret))
	}

	pool := x509.NewCertPool()
	ca, _ := os.ReadFile(p.CAFile)
	pool.AppendCertsFromPEM(ca)
	pair, err := tls.LoadX509KeyPair(p.ClientPEM, p.ClientPEM)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{pair}}}}

	create := []byte(`{"name":"gen","config":{"connector.class":"DatagenConnector","kafka.topic":"r","quickstart":"ratings","tasks.max":"2","max.interval":"50"}}`)
	if code, body := callAs(t, client, http.MethodPost, follower.url+"/connectors", "", "", create, nil); code != http.StatusUnauthorized || body != "User cannot access the resource." {
		t.Fatalf("create without credentials: %d %s", code, body)
	}
	code, body := callAs(t, client, http.MethodPost, follower.url+"/connectors", "admin", "adm1n", create, nil)
	if code != http.StatusCreated || !strings.Contains(body, `"name":"gen"`) {
		t.Fatalf("create through the follower: %d %s", code, body)
	}
	// The tasks exist only once their configs reached the leader: over
	// HTTPS with the worker's client certificate, signed.
	eventually(t, "2 tasks running", func() bool {
		st, err := leader.h.Status("gen")
		if err != nil || len(st.Tasks) != 2 {
			return false
		}
		for _, ts := range st.Tasks {
			if ts.State != status.Running {
				return false
			}
		}
		return true
	})
	// The follower's own signed hand-over, directly: accepted by the leader.
	// (The committed configs again, so nothing changes and no rebalance
	// starts.)
	configs, err := leader.h.TaskConfigs("gen")
	if err != nil || len(configs) != 2 {
		t.Fatalf("task configs: %v %v", configs, err)
	}
	if err := follower.h.postTaskConfigs(context.Background(), leader.url, "gen", configs); err != nil {
		t.Fatalf("signed task configs from the follower: %v", err)
	}

	raw, _ := json.Marshal(configs)
	tasksURL := leader.url + "/connectors/gen/tasks"
	// Unsigned: 400, even with a user's credentials.
	if code, body := callAs(t, client, http.MethodPost, tasksURL, "admin", "adm1n", raw, nil); code != http.StatusBadRequest ||
		body != `{"error_code":400,"message":"Internal request missing required signature"}` {
		t.Fatalf("unsigned: %d %s", code, body)
	}
	// Signed with a key that is not the cluster's: 403.
	other, _ := sessionkey.Generate("HmacSHA256", 0, time.Now())
	sig, _ := sessionkey.Sign(other.Secret, "HmacSHA256", raw)
	hdr := map[string]string{sessionkey.SignatureHeader: sig, sessionkey.AlgorithmHeader: "HmacSHA256"}
	if code, body := callAs(t, client, http.MethodPost, tasksURL, "", "", raw, hdr); code != http.StatusForbidden ||
		body != `{"error_code":403,"message":"Internal request contained invalid signature."}` {
		t.Fatalf("bad signature: %d %s", code, body)
	}
	// An algorithm this worker does not accept: 400.
	hdr[sessionkey.AlgorithmHeader] = "HmacSHA512"
	if code, body := callAs(t, client, http.MethodPost, tasksURL, "", "", raw, hdr); code != http.StatusBadRequest ||
		!strings.Contains(body, "This worker does not support the 'HmacSHA512' key signing algorithm used by other workers") {
		t.Fatalf("other algorithm: %d %s", code, body)
	}
	// Signed with the cluster's key by hand, through the follower (which
	// forwards it to the leader with its signature): accepted.
	k := leader.h.sessionKey()
	good, _ := sessionkey.Sign(k.Secret, "HmacSHA256", raw)
	hdr = map[string]string{sessionkey.SignatureHeader: good, sessionkey.AlgorithmHeader: "HmacSHA256"}
	if code, body := callAs(t, client, http.MethodPost, follower.url+"/connectors/gen/tasks", "", "", raw, hdr); code != http.StatusNoContent {
		t.Fatalf("signed, through the follower: %d %s", code, body)
	}
}
