package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/properties"
	"github.com/goconnect/goconnect/schemaregistry"
	"github.com/goconnect/goconnect/schemaregistry/dekregistry"
	"github.com/goconnect/goconnect/schemaregistry/election"
)

// registrySettings is what one registry instance runs with: flags, and
// Confluent's schema-registry.properties keys in --config.
type registrySettings struct {
	brokers []string
	topic   string
	listen  string
	// listenTLS serves listen over https with serverTLS; more are the
	// other listeners of listeners=, served alike (listen is the one the
	// other instances reach, as Confluent's inter-instance listener).
	listenTLS bool
	more      []registryListener
	serverTLS *tls.Config
	maxKeys   int
	auth      *registryAuth
	// election: nil serves writes here without a group (the embedded
	// registry, one instance by construction).
	election *electionSettings
}

type electionSettings struct {
	groupID  string
	identity election.Identity
	headers  []string
	// hostPort is host.port: the port in this instance's URL when the
	// listener's is not the one the others reach (0: the listener's).
	hostPort int
	// group timeouts (kafkagroup.*.ms; 0: the election's defaults).
	session, heartbeat, rebalance time.Duration
	// delay is leader.election.delay: join the group once the API serves.
	delay bool
	// forwarding to the leader (leader.connect.timeout.ms,
	// leader.read.timeout.ms; clientTLS for https leaders).
	connectTimeout, readTimeout time.Duration
	clientTLS                   *tls.Config
	// initTimeout is kafkastore.init.timeout.ms: how long a start waits
	// for its first election, and a write for a new leader's catch-up.
	initTimeout time.Duration
	// storeTimeout is kafkastore.timeout.ms (0: not set).
	storeTimeout time.Duration
}

// defaultElection is an instance's settings without --config.
func defaultElection() *electionSettings {
	return &electionSettings{groupID: election.DefaultGroupID, identity: election.Identity{LeaderEligibility: true, Scheme: "http"},
		connectTimeout: 60 * time.Second, readTimeout: 60 * time.Second, initTimeout: 60 * time.Second}
}

func runRegistry(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("schema-registry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	brokers := fs.String("bootstrap-server", "127.0.0.1:9092", "Kafka brokers holding the schemas topic (kafkastore.bootstrap.servers)")
	listen := fs.String("listen", "127.0.0.1:8081", "address to serve the registry API on (listeners)")
	topic := fs.String("topic", schemaregistry.Topic, "compacted topic holding the schemas (kafkastore.topic)")
	maxKeys := fs.Int("dek-max-keys", dekregistry.MaxKeysDefault, "the DEK registry's limit of KEKs and of DEKs (Confluent's dek.registry.max.keys): creating more is 409/40972")
	commandConfigFile := fs.String("command-config", "", "properties file with the Kafka client's security settings (security.protocol, sasl.*, ssl.*; Confluent's kafkastore. prefix accepted)")
	configFile := fs.String("config", "", "Confluent's schema-registry.properties: listeners (one, http or https with ssl.*), host.name, host.port, schema.registry.group.id, leader.eligibility, leader.election.delay, leader.connect/read.timeout.ms, kafkagroup.*.ms, inter.instance.protocol, inter.instance.headers.whitelist, kafkastore.bootstrap.servers, kafkastore.topic, kafkastore.init.timeout.ms, kafkastore.timeout.ms, kafkastore.* security")
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := registrySettings{brokers: strings.Split(*brokers, ","), topic: *topic, listen: *listen, maxKeys: *maxKeys}
	secFile, storeOnly := *commandConfigFile, false
	if *configFile != "" {
		if secFile == "" {
			storeOnly = true
			// Its kafkastore.* keys are the store's client settings.
			secFile = *configFile
		}
		if err := set.readConfig(*configFile); err != nil {
			return err
		}
	}
	sctx, failed := context.WithCancelCause(ctx)
	defer failed(nil)
	sec, err := commandConfig(secFile, storeOnly, failed)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", set.listen)
	if err != nil {
		return fmt.Errorf("schema registry: %w", err)
	}
	if set.election == nil {
		set.election = defaultElection()
	}
	if err := set.election.complete(ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	srv, err := startRegistry(sctx, set, ln, log, sec...)
	if err != nil {
		return authCause(sctx, err)
	}
	log.Info("schema registry started", "listen", ln.Addr().String(), "more listeners", fmt.Sprint(set.more), "topic", set.topic, "group", set.election.groupID,
		"url", set.election.identity.URL(), "leader.eligibility", set.election.identity.LeaderEligibility)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// readConfig reads Confluent's registry properties (the keys goconnect
// serves; others are ignored, as a shared file holds them).
func (s *registrySettings) readConfig(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	defer f.Close()
	props, err := properties.Parse(f)
	if err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	e := defaultElection()
	if v := props["schema.registry.group.id"]; v != "" {
		e.groupID = v
	}
	eligible := props["leader.eligibility"]
	if eligible == "" {
		eligible = props["master.eligibility"] // Confluent's deprecated name
	}
	if eligible != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(eligible))
		if err != nil {
			return fmt.Errorf("--config %s: leader.eligibility: %q is not a boolean", path, eligible)
		}
		e.identity.LeaderEligibility = b
	}
	e.identity.Host = strings.TrimSpace(props["host.name"])
	if err := e.readTimings(props); err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	for _, h := range strings.Split(props["inter.instance.headers.whitelist"], ",") {
		if h = strings.TrimSpace(h); h != "" {
			e.headers = append(e.headers, h)
		}
	}
	if err := s.readListener(props, e); err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	if v := stripSchemes(props["kafkastore.bootstrap.servers"]); v != "" {
		s.brokers = strings.Split(v, ",")
	}
	if v := props["kafkastore.topic"]; v != "" {
		s.topic = v
	}
	if v := props["dek.registry.max.keys"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return fmt.Errorf("--config %s: dek.registry.max.keys: %q is not a positive number", path, v)
		}
		s.maxKeys = n
	}
	if s.auth, err = loadRegistryAuth(props); err != nil {
		return fmt.Errorf("--config %s: %w", path, err)
	}
	s.election = e
	return nil
}

// complete fills the identity's host (Confluent's default: this
// machine's name) and port (the listener's).
func (e *electionSettings) complete(addr net.Addr) error {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return fmt.Errorf("schema registry: listener %s is not TCP", addr)
	}
	e.identity.Port = tcp.Port
	if e.hostPort != 0 {
		e.identity.Port = e.hostPort // host.port: as Confluent, over the listener's
	}
	if e.identity.Host == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("schema registry: host.name is not set and the host name is unknown: %w", err)
		}
		e.identity.Host = h
	}
	return nil
}

// registryListener is one of listeners=.
type registryListener struct {
	addr  string
	https bool
}

func (l registryListener) String() string {
	if l.https {
		return "https://" + l.addr
	}
	return "http://" + l.addr
}

type servedListener struct {
	ln    net.Listener
	https bool
}

// registryServer is a running registry: its API, its stores and its
// group membership.
type registryServer struct {
	// srvs serve one listener each: a server shared by a TLS and a plain
	// listener would set up HTTP/2 for whichever starts first.
	srvs    []*http.Server
	stop    context.CancelFunc
	members sync.WaitGroup
	closeJ  func()
}

// Shutdown leaves the group, stops serving and closes the stores.
func (s *registryServer) Shutdown(ctx context.Context) error {
	s.stop()
	s.members.Wait()
	var errs []error
	for _, srv := range s.srvs {
		errs = append(errs, srv.Shutdown(ctx))
	}
	s.closeJ()
	return errors.Join(errs...)
}

// Close stops at once (the embedded registry).
func (s *registryServer) Close() error {
	s.stop()
	s.members.Wait()
	var errs []error
	for _, srv := range s.srvs {
		errs = append(errs, srv.Close())
	}
	s.closeJ()
	return errors.Join(errs...)
}

// startRegistry replays the schemas topic and serves the registry on ln.
func startRegistry(ctx context.Context, set registrySettings, ln net.Listener, log *slog.Logger, opts ...kgo.Opt) (*registryServer, error) {
	reg := schemaregistry.New(nil)
	octx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	j, err := schemaregistry.OpenKafka(octx, set.brokers, set.topic, reg, opts...)
	if err != nil {
		return nil, err
	}
	reg.SetJournal(j)
	// The DEK registry (client-side field-level encryption's KEKs and
	// DEKs) in its own compacted topic, as Confluent keeps it.
	dek := dekregistry.New(nil)
	dj, err := schemaregistry.OpenKafka(octx, set.brokers, dekregistry.Topic, dek, opts...)
	if err != nil {
		j.Close()
		return nil, err
	}
	var once sync.Once
	closeJ := func() { once.Do(func() { j.Close(); dj.Close() }) }
	dek.SetJournal(dj)
	dek.SetMaxKeys(set.maxKeys)
	// As Confluent's LocalKmsDriver on the server: local-kms's secret from
	// LOCAL_SECRET lets shared local-kms KEKs generate their DEKs here.
	if secret := os.Getenv("LOCAL_SECRET"); secret != "" {
		if err := dek.SetLocalSecret(secret); err != nil {
			closeJ()
			return nil, err
		}
	}
	e := set.election
	embedded := e == nil
	if embedded {
		e = defaultElection()
		if err := e.complete(ln.Addr()); err != nil {
			closeJ()
			return nil, err
		}
	}
	if e.storeTimeout > 0 {
		j.SetWriteTimeout(e.storeTimeout)
		dj.SetWriteTimeout(e.storeTimeout)
	}
	cluster := schemaregistry.NewCluster(schemaregistry.ClusterConfig{GroupID: e.groupID, Topic: set.topic, Self: e.identity,
		Stores: []schemaregistry.Syncer{j, dj}, Headers: e.headers, ClusterID: j.ClusterID, Log: log,
		Client: e.forwardingClient(), LeaderWait: e.initTimeout, ReadBackTimeout: e.storeTimeout})
	mctx, stop := context.WithCancel(context.Background())
	rs := &registryServer{stop: stop, closeJ: closeJ}
	handler := cluster.Wrap(schemaregistry.Handler(reg, func(m *http.ServeMux) { dekregistry.Routes(m, dek) }))
	if set.auth != nil {
		handler = set.auth.wrap(handler)
	}
	lns := []servedListener{{ln, set.listenTLS}}
	for _, l := range set.more {
		mln, err := net.Listen("tcp", l.addr)
		if err != nil {
			for _, sl := range lns[1:] {
				sl.ln.Close()
			}
			stop()
			closeJ()
			return nil, fmt.Errorf("schema registry: listener %s: %w", l, err)
		}
		lns = append(lns, servedListener{mln, l.https})
	}
	for _, sl := range lns {
		srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
		if sl.https {
			srv.TLSConfig = set.serverTLS.Clone()
		}
		rs.srvs = append(rs.srvs, srv)
	}
	serve := func() {
		for i, sl := range lns {
			srv := rs.srvs[i]
			go func() {
				var err error
				if sl.https {
					err = srv.ServeTLS(sl.ln, "", "")
				} else {
					err = srv.Serve(sl.ln)
				}
				if err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("schema registry server stopped", "listener", sl.ln.Addr().String(), "error", err)
				}
			}()
		}
	}
	if embedded {
		// One instance by construction: it leads without a group.
		self := e.identity
		cluster.SetLeader(&self)
		serve()
		return rs, nil
	}
	gcl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(set.brokers...)}, opts...)...)
	if err != nil {
		for _, sl := range lns[1:] {
			sl.ln.Close()
		}
		stop()
		closeJ()
		return nil, fmt.Errorf("schema registry: kafka client: %w", err)
	}
	m := election.New(gcl, election.Config{GroupID: e.groupID, Identity: e.identity,
		SessionTimeout: e.session, HeartbeatInterval: e.heartbeat, RebalanceTimeout: e.rebalance}, cluster, log)
	join := func() {
		rs.members.Add(1)
		go func() {
			defer rs.members.Done()
			defer gcl.Close()
			m.Run(mctx)
		}()
	}
	if e.delay {
		// leader.election.delay: as Confluent's postInit, join once the
		// API serves (writes answer 50004 until the election is over).
		serve()
		join()
		return rs, nil
	}
	join()
	// As Confluent's init: serve once the first election is over (within
	// kafkastore.init.timeout.ms).
	jctx, cancel := context.WithTimeout(ctx, e.initTimeout)
	defer cancel()
	select {
	case <-m.Joined():
	case <-jctx.Done():
		stop()
		rs.members.Wait()
		closeJ()
		for _, sl := range lns[1:] {
			sl.ln.Close()
		}
		if last := m.LastError(); last != nil {
			return nil, fmt.Errorf("schema registry: could not join the group %s within kafkastore.init.timeout.ms (%v): %w", e.groupID, e.initTimeout, last)
		}
		return nil, fmt.Errorf("schema registry: timed out joining the group %s within kafkastore.init.timeout.ms (%v): %w", e.groupID, e.initTimeout, jctx.Err())
	}
	serve()
	return rs, nil
}
