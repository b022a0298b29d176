// Package election elects the schema registry's leader as Confluent's
// registry does (KafkaGroupLeaderElector, SchemaRegistryCoordinator): the
// instances join one Kafka group (protocol type "sr", sub-protocol "v0",
// each member's metadata its SchemaRegistryIdentity as JSON), the member
// the broker picks computes the assignment, and every member receives the
// same assignment naming the registry leader: the leader-eligible member
// with the smallest URL. Only the leader writes to the store topic; the
// others forward writes to it.
package election

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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
	cl  *kgo.Client
	cfg Config
	l   Listener
	log *slog.Logger

	mu         sync.Mutex
	lastErr    error // the last failed join, for a start that times out
	memberID   string
	generation int32
	joined     chan struct{} // closed after the first assignment
	once       sync.Once
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
	return &Member{cl: cl, cfg: cfg, l: l, log: log, joined: make(chan struct{})}
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
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := m.joinAndSync(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			m.l.SetLeader(nil)
			m.mu.Lock()
			m.lastErr = err
			m.mu.Unlock()
			level := slog.LevelWarn
			if errors.Is(err, kerr.RebalanceInProgress) {
				level = slog.LevelInfo // another member joined meanwhile: the usual retry
			}
			m.log.Log(ctx, level, "joining the schema registry group failed, retrying", "group", m.cfg.GroupID, "error", err, "backoff", backoff)
			sleep(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		m.heartbeat(ctx)
		if ctx.Err() == nil {
			// A rebalance started: no leader until it ends (Confluent's
			// onRevoked without sticky election).
			m.l.SetLeader(nil)
		}
	}
	m.l.SetLeader(nil)
	m.leave()
}

func (m *Member) joinAndSync(ctx context.Context) error {
	meta, err := json.Marshal(m.cfg.Identity)
	if err != nil {
		return err
	}
	m.mu.Lock()
	memberID := m.memberID
	m.mu.Unlock()
	var join *kmsg.JoinGroupResponse
	for attempt := 0; ; attempt++ {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Group = m.cfg.GroupID
		req.SessionTimeoutMillis = int32(m.cfg.SessionTimeout.Milliseconds())
		req.RebalanceTimeoutMillis = int32(m.cfg.RebalanceTimeout.Milliseconds())
		req.MemberID = memberID
		req.ProtocolType = ProtocolType
		req.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: Protocol, Metadata: meta}}
		resp, err := req.RequestWith(ctx, m.cl)
		if err != nil {
			return fmt.Errorf("join group: %w", err)
		}
		err = kerr.ErrorForCode(resp.ErrorCode)
		switch {
		case errors.Is(err, kerr.MemberIDRequired) && attempt == 0:
			memberID = resp.MemberID
			continue
		case errors.Is(err, kerr.UnknownMemberID):
			m.setMember("")
			return fmt.Errorf("join group: %w", err)
		case err != nil:
			return fmt.Errorf("join group: %w", err)
		}
		join = resp
		break
	}
	m.setMember(join.MemberID)
	var plan []kmsg.SyncGroupRequestGroupAssignment
	if join.LeaderID == join.MemberID {
		members := map[string]Identity{}
		for _, jm := range join.Members {
			var id Identity
			if err := json.Unmarshal(jm.ProtocolMetadata, &id); err != nil {
				return fmt.Errorf("member %s sent unreadable metadata: %w", jm.MemberID, err)
			}
			members[jm.MemberID] = id
		}
		a := Assign(members)
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		for id := range members {
			plan = append(plan, kmsg.SyncGroupRequestGroupAssignment{MemberID: id, MemberAssignment: b})
		}
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group = m.cfg.GroupID
	sync.Generation = join.Generation
	sync.MemberID = join.MemberID
	pt, p := ProtocolType, Protocol
	sync.ProtocolType, sync.Protocol = &pt, &p
	sync.GroupAssignment = plan
	sresp, err := sync.RequestWith(ctx, m.cl)
	if err != nil {
		return fmt.Errorf("sync group: %w", err)
	}
	if err := kerr.ErrorForCode(sresp.ErrorCode); err != nil {
		return fmt.Errorf("sync group: %w", err)
	}
	var a Assignment
	if err := json.Unmarshal(sresp.MemberAssignment, &a); err != nil {
		return fmt.Errorf("unreadable assignment: %w", err)
	}
	m.mu.Lock()
	m.generation = join.Generation
	m.mu.Unlock()
	switch a.Error {
	case NoError:
	case DuplicateURLs:
		// As Confluent: no leader is taken from a group whose members
		// cannot be told apart; the members keep serving reads.
		m.log.Error("the schema registry group contains members advertising the same URL; set host.name and listeners so each instance has its own routable URL", "group", m.cfg.GroupID, "url", m.cfg.Identity.URL())
		m.l.SetLeader(nil)
		m.once.Do(func() { close(m.joined) })
		return nil
	default:
		m.log.Error("unknown error in the schema registry group's assignment", "error", a.Error)
		m.l.SetLeader(nil)
		m.once.Do(func() { close(m.joined) })
		return nil
	}
	if a.LeaderIdentity == nil {
		m.log.Warn("no leader-eligible schema registry instance in the group: reads are served, writes cannot be", "group", m.cfg.GroupID)
	} else if !a.LeaderIdentity.LeaderEligibility {
		return fmt.Errorf("the assignment names an ineligible leader %s", a.LeaderIdentity.URL())
	}
	m.log.Info("joined the schema registry group", "group", m.cfg.GroupID, "generation", join.Generation, "leader", leaderURL(a.LeaderIdentity),
		"this", m.cfg.Identity.URL())
	m.l.SetLeader(a.LeaderIdentity)
	m.once.Do(func() { close(m.joined) })
	return nil
}

func leaderURL(id *Identity) string {
	if id == nil {
		return ""
	}
	return id.URL()
}

// IsSelf tells whether the identity is this member's.
func (m *Member) IsSelf(id *Identity) bool { return id != nil && id.same(m.cfg.Identity) }

func (m *Member) setMember(id string) {
	m.mu.Lock()
	m.memberID = id
	m.mu.Unlock()
}

// heartbeat keeps the generation alive until a rebalance is needed.
func (m *Member) heartbeat(ctx context.Context) {
	tick := time.NewTicker(m.cfg.HeartbeatInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		m.mu.Lock()
		req := kmsg.NewPtrHeartbeatRequest()
		req.Group, req.Generation, req.MemberID = m.cfg.GroupID, m.generation, m.memberID
		m.mu.Unlock()
		hctx, cancel := context.WithTimeout(ctx, m.cfg.SessionTimeout)
		resp, err := req.RequestWith(hctx, m.cl)
		cancel()
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		switch {
		case err == nil:
		case errors.Is(err, kerr.RebalanceInProgress):
			return
		case errors.Is(err, kerr.UnknownMemberID):
			m.setMember("")
			return
		case errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
			return
		default:
			if ctx.Err() != nil {
				return
			}
			// The coordinator may have moved or be unreachable: rejoining
			// finds it again; meanwhile this instance does not lead.
			m.log.Warn("schema registry group heartbeat failed, rejoining", "error", err)
			return
		}
	}
}

// leave tells the coordinator at once, so the others elect a new leader
// without waiting for the session timeout.
func (m *Member) leave() {
	m.mu.Lock()
	id := m.memberID
	m.memberID = ""
	m.mu.Unlock()
	if id == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = m.cfg.GroupID
	req.MemberID = id
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: id}}
	if _, err := req.RequestWith(ctx, m.cl); err != nil {
		m.log.Warn("leaving the schema registry group failed", "error", err)
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
