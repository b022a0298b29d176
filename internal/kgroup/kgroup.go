// Package kgroup keeps a member in a Kafka group over the classic group
// protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) for callers that
// bring their own embedded protocol: its type and sub-protocol names, the
// member metadata and the assignment (both JSON), and what to do when a
// generation starts or ends. The broker's coordinator runs membership and
// picks the member that computes the assignment; Connect's distributed
// workers (runtime/group) and the schema registry's leader election
// (schemaregistry/election) are its two callers.
package kgroup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Join retries back off from minBackoff, doubling up to maxBackoff.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// leaveTimeout bounds the LeaveGroup sent when Run ends.
const leaveTimeout = 5 * time.Second

// Config is the membership settings.
type Config struct {
	GroupID string
	// ProtocolType is the group's protocol type ("connect", "sr"); the
	// coordinator refuses members of another type.
	ProtocolType string
	// Protocol is the one sub-protocol this member offers.
	Protocol          string
	SessionTimeout    time.Duration
	RebalanceTimeout  time.Duration
	HeartbeatInterval time.Duration
}

// Peer is one member of a round, as the coordinator reports the members
// to the one it chose to compute the assignment.
type Peer[M any] struct {
	MemberID string
	Metadata M
}

// Generation is this member's place in a completed round.
type Generation struct {
	MemberID   string
	Generation int32
	// LeaderID is the member that computed the assignment.
	LeaderID string
}

// Leads tells whether this member computed the round's assignment.
func (g Generation) Leads() bool { return g.MemberID == g.LeaderID }

// End says why a generation ended.
type End int

const (
	// Stopped: Run's context ended; the member leaves the group next.
	Stopped End = iota
	// Rebalance: a rebalance starts, asked for here (RequestRejoin, the
	// delay Assigned returned) or by the coordinator (REBALANCE_IN_PROGRESS).
	Rebalance
	// Expelled: the coordinator no longer knows this member or its
	// generation (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID).
	Expelled
	// Unreachable: heartbeats failed and HeartbeatFailed chose to rejoin.
	Unreachable
)

// Handler is the caller's side of membership, with M the member metadata
// and A the assignment. Its methods run on Run's goroutine.
type Handler[M, A any] interface {
	// Metadata is this member's metadata for the next join.
	Metadata() M
	// Assign runs on the member the coordinator chose (leaderID): it
	// computes every member's assignment.
	Assign(ctx context.Context, leaderID string, members []Peer[M]) (map[string]A, error)
	// Assigned applies this member's assignment of a generation. A
	// positive rejoinAfter starts a rebalance after it; an error counts
	// as a failed join (JoinFailed, then a retry).
	Assigned(ctx context.Context, g Generation, a A) (rejoinAfter time.Duration, err error)
	// JoinFailed tells that a round failed; the next starts after backoff.
	JoinFailed(ctx context.Context, err error, backoff time.Duration)
	// HeartbeatFailed tells that a heartbeat did not reach the
	// coordinator (not an answer of it): true rejoins at once (End
	// Unreachable), false keeps heartbeating.
	HeartbeatFailed(err error) (rejoin bool)
	// Ended tells that the generation ended (err: the coordinator's answer
	// or the failure, when there is one). Stopped comes last, once.
	Ended(end End, err error)
}

// Member is one member's membership.
type Member[M, A any] struct {
	cl  *kgo.Client
	cfg Config
	h   Handler[M, A]

	rejoin chan struct{}

	mu         sync.Mutex
	memberID   string
	generation int32
	// confirmed is the last time the coordinator confirmed the generation.
	confirmed time.Time
}

// New returns a member; Run joins. cl must reach the group coordinator.
func New[M, A any](cl *kgo.Client, cfg Config, h Handler[M, A]) *Member[M, A] {
	return &Member[M, A]{cl: cl, cfg: cfg, h: h, rejoin: make(chan struct{}, 1), generation: -1}
}

// RequestRejoin starts a rebalance once the current round is done.
func (m *Member[M, A]) RequestRejoin() {
	select {
	case m.rejoin <- struct{}{}:
	default:
	}
}

// State returns the generation this member holds (-1: none) and when the
// coordinator last confirmed it (a completed round or a heartbeat).
func (m *Member[M, A]) State() (generation int32, confirmed time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.generation, m.confirmed
}

// Run keeps the member in the group until ctx ends, then leaves it at
// once, so the others rebalance without waiting for the session timeout.
// The error is the LeaveGroup's, when it failed.
func (m *Member[M, A]) Run(ctx context.Context) error {
	backoff := minBackoff
	for ctx.Err() == nil {
		delay, err := m.joinAndSync(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			m.h.JoinFailed(ctx, err, backoff)
			sleep(ctx, backoff)
			backoff = min(backoff*2, maxBackoff)
			continue
		}
		backoff = minBackoff
		if end, err := m.heartbeat(ctx, delay); end != Stopped {
			m.h.Ended(end, err)
		}
	}
	m.h.Ended(Stopped, ctx.Err())
	return m.leave()
}

// joinAndSync runs one round; it returns the delay Assigned asked for.
func (m *Member[M, A]) joinAndSync(ctx context.Context) (time.Duration, error) {
	meta, err := json.Marshal(m.h.Metadata())
	if err != nil {
		return 0, fmt.Errorf("encoding the member metadata: %w", err)
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
		req.ProtocolType = m.cfg.ProtocolType
		req.Protocols = []kmsg.JoinGroupRequestProtocol{{Name: m.cfg.Protocol, Metadata: meta}}
		resp, err := req.RequestWith(ctx, m.cl)
		if err != nil {
			return 0, fmt.Errorf("join group: %w", err)
		}
		err = kerr.ErrorForCode(resp.ErrorCode)
		switch {
		case errors.Is(err, kerr.MemberIDRequired) && attempt == 0:
			// KIP-394: the first join only gets a member id; join again with it.
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
		if groupAssignment, err = m.assign(ctx, join); err != nil {
			return 0, err
		}
	}
	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group = m.cfg.GroupID
	sync.Generation = join.Generation
	sync.MemberID = join.MemberID
	pt, p := m.cfg.ProtocolType, m.cfg.Protocol
	sync.ProtocolType, sync.Protocol = &pt, &p
	sync.GroupAssignment = groupAssignment
	sresp, err := sync.RequestWith(ctx, m.cl)
	if err != nil {
		return 0, fmt.Errorf("sync group: %w", err)
	}
	if err := kerr.ErrorForCode(sresp.ErrorCode); err != nil {
		return 0, fmt.Errorf("sync group: %w", err)
	}
	var a A
	if err := json.Unmarshal(sresp.MemberAssignment, &a); err != nil {
		return 0, fmt.Errorf("unreadable assignment: %w", err)
	}
	m.confirm()
	return m.h.Assigned(ctx, Generation{MemberID: join.MemberID, Generation: join.Generation, LeaderID: join.LeaderID}, a)
}

// assign computes the round's assignment on the member the coordinator chose.
func (m *Member[M, A]) assign(ctx context.Context, join *kmsg.JoinGroupResponse) ([]kmsg.SyncGroupRequestGroupAssignment, error) {
	members := make([]Peer[M], 0, len(join.Members))
	for _, jm := range join.Members {
		var meta M
		if err := json.Unmarshal(jm.ProtocolMetadata, &meta); err != nil {
			return nil, fmt.Errorf("member %s sent unreadable metadata: %w", jm.MemberID, err)
		}
		members = append(members, Peer[M]{MemberID: jm.MemberID, Metadata: meta})
	}
	plan, err := m.h.Assign(ctx, join.MemberID, members)
	if err != nil {
		return nil, fmt.Errorf("computing the assignment: %w", err)
	}
	out := make([]kmsg.SyncGroupRequestGroupAssignment, 0, len(plan))
	for id, a := range plan {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encoding the assignment of %s: %w", id, err)
		}
		out = append(out, kmsg.SyncGroupRequestGroupAssignment{MemberID: id, MemberAssignment: b})
	}
	return out, nil
}

func (m *Member[M, A]) setMember(id string, gen int32) {
	m.mu.Lock()
	m.memberID, m.generation = id, gen
	m.mu.Unlock()
}

func (m *Member[M, A]) confirm() {
	m.mu.Lock()
	m.confirmed = time.Now()
	m.mu.Unlock()
}

// heartbeat keeps the generation alive until it ends; Stopped: ctx ended.
func (m *Member[M, A]) heartbeat(ctx context.Context, delay time.Duration) (End, error) {
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
			return Stopped, nil
		case <-m.rejoin:
			return Rebalance, nil
		case <-delayed:
			return Rebalance, nil
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
			m.confirm()
		case errors.Is(err, kerr.RebalanceInProgress):
			// The generation was still valid when the answer left.
			m.confirm()
			return Rebalance, err
		case errors.Is(err, kerr.UnknownMemberID):
			m.setMember("", -1)
			return Expelled, err
		case errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
			m.mu.Lock()
			m.generation = -1
			m.mu.Unlock()
			return Expelled, err
		default:
			if ctx.Err() != nil {
				return Stopped, nil
			}
			if m.h.HeartbeatFailed(err) {
				return Unreachable, err
			}
		}
	}
}

// leave sends LeaveGroup for the member this one holds, if any.
func (m *Member[M, A]) leave() error {
	m.mu.Lock()
	id := m.memberID
	m.memberID, m.generation = "", -1
	m.mu.Unlock()
	if id == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), leaveTimeout)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = m.cfg.GroupID
	req.MemberID = id
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: id}}
	if _, err := req.RequestWith(ctx, m.cl); err != nil {
		return fmt.Errorf("leave group: %w", err)
	}
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
