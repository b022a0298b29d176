// Package group makes distributed workers one Kafka group: the broker's
// group coordinator runs membership (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, protocol type "connect" like Connect's workers), the member
// it elects leader computes the assignment, and every worker applies its
// share. Nothing here coordinates by itself: a worker that stops
// heartbeating is expelled by the broker after session.timeout.ms.
package group

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
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
	cl  *kgo.Client
	cfg Config
	h   Handler
	log *slog.Logger

	rejoin chan struct{}

	mu         sync.Mutex
	memberID   string
	generation int32
	// lastOK is the last time the coordinator confirmed the generation.
	lastOK time.Time
}

// New returns a member; Run joins.
func New(cl *kgo.Client, cfg Config, h Handler, log *slog.Logger) *Member {
	return &Member{cl: cl, cfg: cfg, h: h, log: log, rejoin: make(chan struct{}, 1), generation: -1}
}

// RequestRejoin starts a rebalance (a config change the assignment must follow).
func (m *Member) RequestRejoin() {
	select {
	case m.rejoin <- struct{}{}:
	default:
	}
}

// Valid returns an error unless this worker holds a generation the
// coordinator confirmed within the session timeout: a worker that may
// have been expelled must not commit offsets for tasks now elsewhere.
func (m *Member) Valid() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.generation < 0 {
		return errors.New("this worker is not a member of the Connect group")
	}
	if time.Since(m.lastOK) > m.cfg.SessionTimeout {
		return fmt.Errorf("this worker has not reached the group coordinator for %s; its tasks may run elsewhere", time.Since(m.lastOK).Round(time.Millisecond))
	}
	return nil
}

// Generation returns the current generation (-1 when none).
func (m *Member) Generation() int32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.generation
}

// Run keeps the worker in the group until ctx ends, then leaves it.
func (m *Member) Run(ctx context.Context) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		delay, err := m.joinAndSync(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			m.log.Warn("joining the Connect group failed, retrying", "group", m.cfg.GroupID, "error", err, "backoff", backoff)
			sleep(ctx, backoff)
			backoff = min(backoff*2, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		m.heartbeat(ctx, delay)
	}
	m.leave()
}

// joinAndSync runs one rebalance round for this worker.
func (m *Member) joinAndSync(ctx context.Context) (time.Duration, error) {
	offset, owned := m.h.State()
	meta, err := json.Marshal(MemberState{URL: m.cfg.URL, ConfigOffset: offset, Owned: owned})
	if err != nil {
		return 0, err
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
			return 0, fmt.Errorf("join group: %w", err)
		}
		err = kerr.ErrorForCode(resp.ErrorCode)
		switch {
		case errors.Is(err, kerr.MemberIDRequired) && attempt == 0:
			memberID = resp.MemberID
			continue
		case errors.Is(err, kerr.UnknownMemberID):
			m.setMember("", -1)
			return 0, fmt.Errorf("join group: %w", err)
		case err != nil:
			return 0, fmt.Errorf("join group: %w", err)
		}
		join = resp
		break
	}
	m.setMember(join.MemberID, join.Generation)
	var groupAssignment []kmsg.SyncGroupRequestGroupAssignment
	if join.LeaderID == join.MemberID {
		members := make([]MemberState, 0, len(join.Members))
		for _, jm := range join.Members {
			var ms MemberState
			if err := json.Unmarshal(jm.ProtocolMetadata, &ms); err != nil {
				return 0, fmt.Errorf("member %s sent unreadable metadata: %w", jm.MemberID, err)
			}
			ms.MemberID = jm.MemberID
			members = append(members, ms)
		}
		plan, err := m.h.Assign(ctx, members)
		if err != nil {
			return 0, fmt.Errorf("computing the assignment: %w", err)
		}
		for id, a := range plan {
			a.Leader, a.LeaderURL = join.MemberID, m.cfg.URL
			b, err := json.Marshal(a)
			if err != nil {
				return 0, err
			}
			groupAssignment = append(groupAssignment, kmsg.SyncGroupRequestGroupAssignment{MemberID: id, MemberAssignment: b})
		}
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group = m.cfg.GroupID
	sync.Generation = join.Generation
	sync.MemberID = join.MemberID
	pt, p := ProtocolType, Protocol
	sync.ProtocolType, sync.Protocol = &pt, &p
	sync.GroupAssignment = groupAssignment
	sresp, err := sync.RequestWith(ctx, m.cl)
	if err != nil {
		return 0, fmt.Errorf("sync group: %w", err)
	}
	if err := kerr.ErrorForCode(sresp.ErrorCode); err != nil {
		return 0, fmt.Errorf("sync group: %w", err)
	}
	var a Assignment
	if err := json.Unmarshal(sresp.MemberAssignment, &a); err != nil {
		return 0, fmt.Errorf("unreadable assignment: %w", err)
	}
	m.mu.Lock()
	m.lastOK = time.Now()
	m.mu.Unlock()
	m.log.Info("joined the Connect group", "group", m.cfg.GroupID, "generation", join.Generation,
		"leader", join.LeaderID == join.MemberID, "units", len(a.Owned), "revoked", len(a.Revoked))
	m.h.Assigned(ctx, join.Generation, join.MemberID, a)
	if len(a.Revoked) > 0 {
		// The revoked units are stopped: rejoin so the leader can place them.
		m.RequestRejoin()
	}
	return time.Duration(a.DelayMs) * time.Millisecond, nil
}

func (m *Member) setMember(id string, gen int32) {
	m.mu.Lock()
	m.memberID, m.generation = id, gen
	m.mu.Unlock()
}

// heartbeat keeps the generation alive until a rebalance is needed.
func (m *Member) heartbeat(ctx context.Context, delay time.Duration) {
	tick := time.NewTicker(m.cfg.HeartbeatInterval)
	defer tick.Stop()
	var delayed <-chan time.Time
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		delayed = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-m.rejoin:
			m.h.Rebalancing()
			return
		case <-delayed:
			m.h.Rebalancing()
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
			m.mu.Lock()
			m.lastOK = time.Now()
			m.mu.Unlock()
		case errors.Is(err, kerr.RebalanceInProgress):
			m.mu.Lock()
			m.lastOK = time.Now()
			m.mu.Unlock()
			m.h.Rebalancing()
			return
		case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
			m.log.Warn("this worker left the Connect group; stopping its connectors and tasks", "error", err)
			if errors.Is(err, kerr.UnknownMemberID) {
				m.setMember("", -1)
			} else {
				m.mu.Lock()
				m.generation = -1
				m.mu.Unlock()
			}
			m.h.Lost()
			return
		default:
			if ctx.Err() != nil {
				return
			}
			m.log.Warn("heartbeat failed", "error", err)
			if m.Valid() != nil {
				m.log.Warn("no heartbeat within the session timeout; stopping this worker's connectors and tasks")
				m.h.Lost()
				return
			}
		}
	}
}

// leave tells the coordinator at once, so the others rebalance without
// waiting for the session timeout.
func (m *Member) leave() {
	m.mu.Lock()
	id := m.memberID
	m.memberID, m.generation = "", -1
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
		m.log.Warn("leaving the Connect group failed", "error", err)
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
