// Package group makes distributed workers one Kafka group: the broker's
// group coordinator runs membership (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, protocol type "connect" like Connect's workers), the member
// it elects leader computes the assignment, and every worker applies its
// share. The group loop itself is internal/kgroup's; this package brings
// Connect's protocol to it. Nothing here coordinates by itself: a worker
// that stops heartbeating is expelled by the broker after
// session.timeout.ms.
package group

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/internal/kgroup"
)

// ProtocolType is the group protocol type Connect's workers use.
const ProtocolType = "connect"

// Protocol names goconnect's assignment format. Java workers offer
// "eager"/"compatible"/"sessioned" instead, so the coordinator refuses a
// mixed group (INCONSISTENT_GROUP_PROTOCOL) rather than let two formats
// misread each other.
const Protocol = "goconnect-v1"

// Config is the membership settings.
type Config struct {
	GroupID           string
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	HeartbeatInterval time.Duration
	// URL is this worker's REST URL, for leader forwarding.
	URL string
}

// Handler is the herder side of membership.
type Handler interface {
	// State reports the config offset read and the units running here.
	State() (configOffset int64, owned []Unit)
	// Assign runs on the leader: it computes every member's assignment.
	Assign(ctx context.Context, members []MemberState) (map[string]Assignment, error)
	// Assigned applies this worker's assignment of a generation; it
	// returns once revoked units are stopped.
	Assigned(ctx context.Context, generation int32, memberID string, a Assignment)
	// Rebalancing tells that a rebalance started.
	Rebalancing()
	// Lost tells that this worker is no longer a member: everything it
	// runs may run elsewhere now and must stop.
	Lost()
}

// Member is one worker's membership.
type Member struct {
	g   *kgroup.Member[MemberState, Assignment]
	cfg Config
	h   Handler
	log *slog.Logger
}

// New returns a member; Run joins.
func New(cl *kgo.Client, cfg Config, h Handler, log *slog.Logger) *Member {
	m := &Member{cfg: cfg, h: h, log: log}
	m.g = kgroup.New[MemberState, Assignment](cl, kgroup.Config{GroupID: cfg.GroupID, ProtocolType: ProtocolType, Protocol: Protocol,
		SessionTimeout: cfg.SessionTimeout, RebalanceTimeout: cfg.RebalanceTimeout, HeartbeatInterval: cfg.HeartbeatInterval},
		(*hooks)(m))
	return m
}

// RequestRejoin starts a rebalance (a config change the assignment must follow).
func (m *Member) RequestRejoin() { m.g.RequestRejoin() }

// Valid returns an error unless this worker holds a generation the
// coordinator confirmed within the session timeout: a worker that may
// have been expelled must not commit offsets for tasks now elsewhere.
func (m *Member) Valid() error {
	generation, confirmed := m.g.State()
	if generation < 0 {
		return errors.New("this worker is not a member of the Connect group")
	}
	if time.Since(confirmed) > m.cfg.SessionTimeout {
		return fmt.Errorf("this worker has not reached the group coordinator for %s; its tasks may run elsewhere", time.Since(confirmed).Round(time.Millisecond))
	}
	return nil
}

// Generation returns the current generation (-1 when none).
func (m *Member) Generation() int32 {
	generation, _ := m.g.State()
	return generation
}

// Run keeps the worker in the group until ctx ends, then leaves it.
func (m *Member) Run(ctx context.Context) {
	if err := m.g.Run(ctx); err != nil {
		m.log.Warn("leaving the Connect group failed", "error", err)
	}
}

// hooks is the Connect protocol over kgroup: members send their
// MemberState, the leader runs the herder's assignment, and the herder
// hears of rebalances and of losing the membership.
type hooks Member

func (k *hooks) Metadata() MemberState {
	offset, owned := k.h.State()
	return MemberState{URL: k.cfg.URL, ConfigOffset: offset, Owned: owned}
}

func (k *hooks) Assign(ctx context.Context, leaderID string, peers []kgroup.Peer[MemberState]) (map[string]Assignment, error) {
	members := make([]MemberState, 0, len(peers))
	for _, p := range peers {
		ms := p.Metadata
		ms.MemberID = p.MemberID
		members = append(members, ms)
	}
	plan, err := k.h.Assign(ctx, members)
	if err != nil {
		return nil, err
	}
	for id, a := range plan {
		a.Leader, a.LeaderURL = leaderID, k.cfg.URL
		plan[id] = a
	}
	return plan, nil
}

func (k *hooks) Assigned(ctx context.Context, g kgroup.Generation, a Assignment) (time.Duration, error) {
	k.log.Info("joined the Connect group", "group", k.cfg.GroupID, "generation", g.Generation,
		"leader", g.Leads(), "units", len(a.Owned), "revoked", len(a.Revoked))
	k.h.Assigned(ctx, g.Generation, g.MemberID, a)
	if len(a.Revoked) > 0 {
		// The revoked units are stopped: rejoin so the leader can place them.
		k.g.RequestRejoin()
	}
	return time.Duration(a.DelayMs) * time.Millisecond, nil
}

func (k *hooks) JoinFailed(_ context.Context, err error, backoff time.Duration) {
	k.log.Warn("joining the Connect group failed, retrying", "group", k.cfg.GroupID, "error", err, "backoff", backoff)
}

// HeartbeatFailed keeps heartbeating while the generation may still be
// valid: the coordinator expels this worker only after the session timeout.
func (k *hooks) HeartbeatFailed(err error) bool {
	k.log.Warn("heartbeat failed", "error", err)
	if (*Member)(k).Valid() != nil {
		k.log.Warn("no heartbeat within the session timeout; stopping this worker's connectors and tasks")
		return true
	}
	return false
}

func (k *hooks) Ended(end kgroup.End, err error) {
	switch end {
	case kgroup.Rebalance:
		k.h.Rebalancing()
	case kgroup.Expelled:
		k.log.Warn("this worker left the Connect group; stopping its connectors and tasks", "error", err)
		k.h.Lost()
	case kgroup.Unreachable:
		k.h.Lost()
	}
}
