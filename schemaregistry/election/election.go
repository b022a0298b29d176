// Package election elects the schema registry's leader as Confluent's
// registry does (KafkaGroupLeaderElector, SchemaRegistryCoordinator): the
// instances join one Kafka group (protocol type "sr", sub-protocol "v0",
// each member's metadata its SchemaRegistryIdentity as JSON), the member
// the broker picks computes the assignment, and every member receives the
// same assignment naming the registry leader: the leader-eligible member
// with the smallest URL. Only the leader writes to the store topic; the
// others forward writes to it. The group loop is internal/kgroup's, shared
// with Connect's workers.
package election

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/kgroup"
)

// ProtocolType is the group protocol type of Confluent's registry.
const ProtocolType = "sr"

// Protocol is its only sub-protocol (SR_SUBPROTOCOL_V0).
const Protocol = "v0"

// DefaultGroupID is schema.registry.group.id's default.
const DefaultGroupID = "schema-registry"

// Assignment errors, as Confluent's SchemaRegistryProtocol.Assignment.
const (
	NoError       int16 = 0
	DuplicateURLs int16 = 1
)

// Identity is Confluent's SchemaRegistryIdentity: how an instance is
// reached, and whether it may lead.
type Identity struct {
	Version           int    `json:"version"`
	Host              string `json:"host"`
	Port              int    `json:"port"`
	LeaderEligibility bool   `json:"master_eligibility"`
	Scheme            string `json:"scheme"`
	Leader            bool   `json:"leader"`
}

// URL is where the instance's API is served (scheme://host:port).
func (id Identity) URL() string {
	scheme := id.Scheme
	if scheme == "" {
		scheme = "http"
	}
	return fmt.Sprintf("%s://%s:%d", scheme, id.Host, id.Port)
}

// same compares identities as Confluent's equals (the leader flag aside).
func (id Identity) same(o Identity) bool {
	return id.Host == o.Host && id.Port == o.Port && id.LeaderEligibility == o.LeaderEligibility && id.URL() == o.URL()
}

// Assignment is what every member receives: the leader's member id and
// identity (none when no member may lead).
type Assignment struct {
	Version        int       `json:"version"`
	Error          int16     `json:"error"`
	Leader         string    `json:"master,omitempty"`
	LeaderIdentity *Identity `json:"master_identity,omitempty"`
}

// Assign computes the assignment from the members' identities (by member
// id), as SchemaRegistryCoordinator.onLeaderElected does without sticky
// election: the eligible member with the smallest URL leads; members
// sharing a URL make the assignment fail, as no forwarding could reach
// the right one.
func Assign(members map[string]Identity) Assignment {
	ids := make([]string, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	a := Assignment{Version: 1}
	urls := map[string]bool{}
	var leader *Identity
	for _, id := range ids {
		m := members[id]
		urls[m.URL()] = true
		if m.LeaderEligibility && (leader == nil || m.URL() < leader.URL()) {
			m := m
			leader, a.Leader = &m, id
		}
	}
	a.LeaderIdentity = leader
	if len(urls) != len(members) {
		a.Error = DuplicateURLs
	}
	return a
}

// Config is the membership settings.
type Config struct {
	GroupID           string
	Identity          Identity
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	HeartbeatInterval time.Duration
}

// Listener learns who leads: nil while no leader is known (a rebalance
// runs, or no member may lead).
type Listener interface {
	SetLeader(leader *Identity)
}

// Member is one registry instance's membership.
type Member struct {
	g   *kgroup.Member[Identity, Assignment]
	cfg Config
	l   Listener
	log *slog.Logger

	mu      sync.Mutex
	lastErr error         // the last failed join, for a start that times out
	joined  chan struct{} // closed after the first assignment
	once    sync.Once
}

// New returns a member; Run joins. cl must reach the group coordinator.
func New(cl *kgo.Client, cfg Config, l Listener, log *slog.Logger) *Member {
	if cfg.GroupID == "" {
		cfg.GroupID = DefaultGroupID
	}
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 10 * time.Second
	}
	if cfg.RebalanceTimeout <= 0 {
		cfg.RebalanceTimeout = 60 * time.Second
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 3 * time.Second
	}
	cfg.Identity.Version = 1
	if cfg.Identity.Scheme == "" {
		cfg.Identity.Scheme = "http"
	}
	m := &Member{cfg: cfg, l: l, log: log, joined: make(chan struct{})}
	m.g = kgroup.New[Identity, Assignment](cl, kgroup.Config{GroupID: cfg.GroupID, ProtocolType: ProtocolType, Protocol: Protocol,
		SessionTimeout: cfg.SessionTimeout, RebalanceTimeout: cfg.RebalanceTimeout, HeartbeatInterval: cfg.HeartbeatInterval},
		(*hooks)(m))
	return m
}

// LastError is the last failed attempt to join (nil: none), such as the
// broker refusing kafkagroup.session.timeout.ms.
func (m *Member) LastError() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lastErr
}

// Joined is closed once the member received its first assignment.
func (m *Member) Joined() <-chan struct{} { return m.joined }

// Run keeps the instance in the group until ctx ends, then leaves it.
func (m *Member) Run(ctx context.Context) {
	if err := m.g.Run(ctx); err != nil {
		m.log.Warn("leaving the schema registry group failed", "error", err)
	}
}

func leaderURL(id *Identity) string {
	if id == nil {
		return ""
	}
	return id.URL()
}

// IsSelf tells whether the identity is this member's.
func (m *Member) IsSelf(id *Identity) bool { return id != nil && id.same(m.cfg.Identity) }

// hooks is Confluent's registry protocol over kgroup: members send their
// Identity, the chosen member hands every member the same Assignment, and
// the listener knows no leader from the moment a generation ends until the
// next one names it.
type hooks Member

func (k *hooks) Metadata() Identity { return k.cfg.Identity }

func (k *hooks) Assign(_ context.Context, _ string, peers []kgroup.Peer[Identity]) (map[string]Assignment, error) {
	members := make(map[string]Identity, len(peers))
	for _, p := range peers {
		members[p.MemberID] = p.Metadata
	}
	a := Assign(members)
	plan := make(map[string]Assignment, len(members))
	for id := range members {
		plan[id] = a
	}
	return plan, nil
}

func (k *hooks) Assigned(_ context.Context, g kgroup.Generation, a Assignment) (time.Duration, error) {
	switch a.Error {
	case NoError:
	case DuplicateURLs:
		// As Confluent: no leader is taken from a group whose members
		// cannot be told apart; the members keep serving reads.
		k.log.Error("the schema registry group contains members advertising the same URL; set host.name and listeners so each instance has its own routable URL", "group", k.cfg.GroupID, "url", k.cfg.Identity.URL())
		k.l.SetLeader(nil)
		k.once.Do(func() { close(k.joined) })
		return 0, nil
	default:
		k.log.Error("unknown error in the schema registry group's assignment", "error", a.Error)
		k.l.SetLeader(nil)
		k.once.Do(func() { close(k.joined) })
		return 0, nil
	}
	if a.LeaderIdentity == nil {
		k.log.Warn("no leader-eligible schema registry instance in the group: reads are served, writes cannot be", "group", k.cfg.GroupID)
	} else if !a.LeaderIdentity.LeaderEligibility {
		return 0, fmt.Errorf("the assignment names an ineligible leader %s", a.LeaderIdentity.URL())
	}
	k.log.Info("joined the schema registry group", "group", k.cfg.GroupID, "generation", g.Generation, "leader", leaderURL(a.LeaderIdentity),
		"this", k.cfg.Identity.URL())
	k.l.SetLeader(a.LeaderIdentity)
	k.once.Do(func() { close(k.joined) })
	return 0, nil
}

func (k *hooks) JoinFailed(ctx context.Context, err error, backoff time.Duration) {
	k.l.SetLeader(nil)
	k.mu.Lock()
	k.lastErr = err
	k.mu.Unlock()
	level := slog.LevelWarn
	if errors.Is(err, kerr.RebalanceInProgress) {
		level = slog.LevelInfo // another member joined meanwhile: the usual retry
	}
	k.log.Log(ctx, level, "joining the schema registry group failed, retrying", "group", k.cfg.GroupID, "error", err, "backoff", backoff)
}

// HeartbeatFailed rejoins at once: the coordinator may have moved or be
// unreachable, rejoining finds it again, and meanwhile this instance does
// not lead.
func (k *hooks) HeartbeatFailed(err error) bool {
	k.log.Warn("schema registry group heartbeat failed, rejoining", "error", err)
	return true
}

// Ended: a rebalance started or the member stops, so no leader until a
// generation names one (Confluent's onRevoked without sticky election).
func (k *hooks) Ended(kgroup.End, error) { k.l.SetLeader(nil) }
