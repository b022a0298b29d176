//go:build e2e

package kgroup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The tests run against the real broker of scripts/services.sh (kafka),
// whose group coordinator is what the loop must get along with; the e2e
// tag puts them in the stage of scripts/test.sh that starts it.
func kafkaAddr() string {
	if a := os.Getenv("GOCONNECT_E2E_KAFKA"); a != "" {
		return a
	}
	return "127.0.0.1:9092"
}

func client(t *testing.T, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(kafkaAddr())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.Ping(ctx); err != nil {
		t.Fatalf("kafka at %s: %v (scripts/services.sh up kafka)", kafkaAddr(), err)
	}
	return cl
}

func groupID(t *testing.T) string {
	return fmt.Sprintf("kgroup-%s-%d", t.Name(), time.Now().UnixNano())
}

// meta and plan are a test protocol: each member sends its name; the
// chosen member hands everyone the sorted names and its own.
type meta struct {
	Name string `json:"name"`
}

type plan struct {
	Members []string `json:"members"`
	Leader  string   `json:"leader"`
}

type event struct {
	kind string // assigned, joinFailed, heartbeatFailed, ended
	gen  Generation
	plan plan
	end  End
	err  error
}

func (e event) String() string {
	return fmt.Sprintf("%s(gen %d %s, plan %v, end %d, err %v)", e.kind, e.gen.Generation, e.gen.MemberID, e.plan, e.end, e.err)
}

// recorder is a Handler that reports every call on a channel.
type recorder struct {
	name    string
	events  chan event
	rejoin  atomic.Bool // HeartbeatFailed's answer
	assigns atomic.Int32
}

func newRecorder(name string) *recorder {
	return &recorder{name: name, events: make(chan event, 1000)}
}

func (r *recorder) Metadata() meta { return meta{Name: r.name} }

func (r *recorder) Assign(_ context.Context, _ string, members []Peer[meta]) (map[string]plan, error) {
	r.assigns.Add(1)
	p := plan{Leader: r.name}
	for _, m := range members {
		p.Members = append(p.Members, m.Metadata.Name)
	}
	slices.Sort(p.Members)
	out := map[string]plan{}
	for _, m := range members {
		out[m.MemberID] = p
	}
	return out, nil
}

func (r *recorder) Assigned(_ context.Context, g Generation, p plan) (time.Duration, error) {
	r.events <- event{kind: "assigned", gen: g, plan: p}
	return 0, nil
}

func (r *recorder) JoinFailed(_ context.Context, err error, _ time.Duration) {
	r.events <- event{kind: "joinFailed", err: err}
}

func (r *recorder) HeartbeatFailed(err error) bool {
	r.events <- event{kind: "heartbeatFailed", err: err}
	return r.rejoin.Load()
}

func (r *recorder) Ended(end End, err error) {
	r.events <- event{kind: "ended", end: end, err: err}
}

// next waits for the recorder's next event of a kind ("": any) that
// satisfies ok, passing over others; it fails the test after d.
func (r *recorder) next(t *testing.T, kind string, d time.Duration, ok func(event) bool) event {
	t.Helper()
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	var seen []string
	for {
		select {
		case e := <-r.events:
			if (kind == "" || e.kind == kind) && (ok == nil || ok(e)) {
				return e
			}
			seen = append(seen, e.String())
			if len(seen) > 10 {
				seen = seen[1:]
			}
		case <-deadline.C:
			t.Fatalf("%s: no %s event within %s; the last passed over: %v", r.name, kind, d, seen)
		}
	}
}

func members(names ...string) func(event) bool {
	return func(e event) bool { return slices.Equal(e.plan.Members, names) }
}

type running struct {
	m    *Member[meta, plan]
	stop context.CancelFunc
	done chan error
}

func start(t *testing.T, cl *kgo.Client, cfg Config, r *recorder) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	m := New[meta, plan](cl, cfg, r)
	run := &running{m: m, stop: cancel, done: make(chan error, 1)}
	go func() { run.done <- m.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-run.done
	})
	return run
}

// close stops the member and returns Run's error.
func (run *running) close(t *testing.T) error {
	t.Helper()
	run.stop()
	select {
	case err := <-run.done:
		run.done <- err // for the cleanup
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return within 10s of its context ending")
		return nil
	}
}

func config(group string) Config {
	return Config{GroupID: group, ProtocolType: "kgroup-test", Protocol: "v1",
		SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second, HeartbeatInterval: 100 * time.Millisecond}
}

// describe returns the group's state and member count as the coordinator has them.
func describe(t *testing.T, cl *kgo.Client, group string) (string, int) {
	t.Helper()
	req := kmsg.NewPtrDescribeGroupsRequest()
	req.Groups = []string{group}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Groups) != 1 {
		t.Fatalf("describe %s: %d groups", group, len(resp.Groups))
	}
	g := resp.Groups[0]
	if err := kerr.ErrorForCode(g.ErrorCode); err != nil {
		t.Fatalf("describe %s: %v", group, err)
	}
	return g.State, len(g.Members)
}

// Two members join; the coordinator's chosen member assigns both; when one
// stops it leaves at once, so the other rebalances well within the
// session timeout, and the last to stop leaves the group empty.
func TestJoinRebalanceAndLeave(t *testing.T) {
	group := groupID(t)
	cfg := config(group)
	ra, rb := newRecorder("a"), newRecorder("b")
	a := start(t, client(t), cfg, ra)
	first := ra.next(t, "assigned", 20*time.Second, members("a"))
	if !first.gen.Leads() || first.plan.Leader != "a" || ra.assigns.Load() != 1 {
		t.Fatalf("a alone must assign: %+v, %d assignments", first, ra.assigns.Load())
	}
	if gen, at := a.m.State(); gen != first.gen.Generation || time.Since(at) > cfg.SessionTimeout {
		t.Fatalf("state after the first round: generation %d confirmed %v, want %d", gen, at, first.gen.Generation)
	}

	b := start(t, client(t), cfg, rb)
	// a's heartbeat learns of the rebalance b's join started.
	if e := ra.next(t, "ended", 20*time.Second, nil); e.end != Rebalance || !errors.Is(e.err, kerr.RebalanceInProgress) {
		t.Fatalf("a's generation ended by %v (%v), want Rebalance on REBALANCE_IN_PROGRESS", e.end, e.err)
	}
	ga := ra.next(t, "assigned", 20*time.Second, members("a", "b"))
	gb := rb.next(t, "assigned", 20*time.Second, members("a", "b"))
	if ga.gen.Generation != gb.gen.Generation || ga.gen.Generation <= first.gen.Generation {
		t.Fatalf("generations: a %d, b %d, first %d", ga.gen.Generation, gb.gen.Generation, first.gen.Generation)
	}
	// One member assigned, and both got its plan.
	leader := map[bool]string{true: "a", false: "b"}[ga.gen.Leads()]
	if ga.gen.Leads() == gb.gen.Leads() || ga.plan.Leader != leader || gb.plan.Leader != leader || ga.gen.LeaderID != gb.gen.LeaderID {
		t.Fatalf("leader: a %+v, b %+v", ga, gb)
	}

	stopped := time.Now()
	if err := b.close(t); err != nil {
		t.Fatalf("b's Run: %v", err)
	}
	if e := rb.next(t, "ended", time.Second, nil); e.end != Stopped {
		t.Fatalf("b's last event: %v, want Ended(Stopped)", e)
	}
	if gen, _ := b.m.State(); gen != -1 {
		t.Fatalf("b holds generation %d after leaving", gen)
	}
	// Without the LeaveGroup the coordinator would wait the session
	// timeout before dropping b.
	again := ra.next(t, "assigned", cfg.SessionTimeout/2, members("a"))
	if again.gen.Generation <= ga.gen.Generation {
		t.Fatalf("generation after b left: %d, before %d", again.gen.Generation, ga.gen.Generation)
	}
	t.Logf("a rebalanced alone %v after b stopped", time.Since(stopped).Round(time.Millisecond))

	if err := a.close(t); err != nil {
		t.Fatalf("a's Run: %v", err)
	}
	if state, n := describe(t, client(t), group); n != 0 || state != "Empty" {
		t.Fatalf("group after both stopped: %s with %d members, want Empty with none", state, n)
	}
}

// A member the coordinator no longer knows (removed by an admin's
// LeaveGroup here) hears it on its next heartbeat (Expelled) and joins
// again as a new member; RequestRejoin starts a round of its own.
func TestExpelledMemberRejoinsAndRequestRejoin(t *testing.T) {
	group := groupID(t)
	cfg := config(group)
	r := newRecorder("a")
	a := start(t, client(t), cfg, r)
	first := r.next(t, "assigned", 20*time.Second, members("a"))

	admin := client(t)
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = group
	req.Members = []kmsg.LeaveGroupRequestMember{{MemberID: first.gen.MemberID}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		t.Fatalf("removing the member: %v", err)
	}
	if e := r.next(t, "ended", 10*time.Second, nil); e.end != Expelled || !errors.Is(e.err, kerr.UnknownMemberID) {
		t.Fatalf("ended by %v (%v), want Expelled on UNKNOWN_MEMBER_ID", e.end, e.err)
	}
	second := r.next(t, "assigned", 20*time.Second, members("a"))
	if second.gen.MemberID == first.gen.MemberID || second.gen.Generation <= first.gen.Generation {
		t.Fatalf("after expulsion: %+v, before %+v", second.gen, first.gen)
	}

	a.m.RequestRejoin()
	if e := r.next(t, "ended", 10*time.Second, nil); e.end != Rebalance || e.err != nil {
		t.Fatalf("ended by %v (%v), want Rebalance with no error", e.end, e.err)
	}
	third := r.next(t, "assigned", 20*time.Second, members("a"))
	if third.gen.MemberID != second.gen.MemberID || third.gen.Generation <= second.gen.Generation {
		t.Fatalf("after RequestRejoin: %+v, before %+v", third.gen, second.gen)
	}
}

// A member of another protocol type is refused while the group runs
// (INCONSISTENT_GROUP_PROTOCOL): it reports each failed round and retries.
func TestOtherProtocolTypeRefused(t *testing.T) {
	group := groupID(t)
	cfg := config(group)
	ra := newRecorder("a")
	start(t, client(t), cfg, ra)
	ra.next(t, "assigned", 20*time.Second, members("a"))

	other := cfg
	other.ProtocolType = "other"
	rb := newRecorder("b")
	start(t, client(t), other, rb)
	for range 2 {
		if e := rb.next(t, "joinFailed", 10*time.Second, nil); !errors.Is(e.err, kerr.InconsistentGroupProtocol) {
			t.Fatalf("b's join failed with %v, want INCONSISTENT_GROUP_PROTOCOL", e.err)
		}
	}
	if n := rb.assigns.Load(); n != 0 {
		t.Fatalf("b assigned %d times", n)
	}
}

// gate dials the broker until it is shut; shutting also drops the open
// connections, so requests fail at once (the client does not retry).
type gate struct {
	mu    sync.Mutex
	shut  bool
	conns []net.Conn
}

func (g *gate) dial(ctx context.Context, network, host string) (net.Conn, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.shut {
		return nil, errors.New("gate shut")
	}
	c, err := (&net.Dialer{}).DialContext(ctx, network, host)
	if err == nil {
		g.conns = append(g.conns, c)
	}
	return c, err
}

func (g *gate) set(shut bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.shut = shut
	if shut {
		for _, c := range g.conns {
			_ = c.Close()
		}
		g.conns = nil
	}
}

// Heartbeats that do not reach the coordinator go to HeartbeatFailed:
// answering false keeps the generation (Connect's way, within the session
// timeout), answering true rejoins at once (the registry's way).
func TestHeartbeatFailures(t *testing.T) {
	group := groupID(t)
	cfg := config(group)
	g := &gate{}
	r := newRecorder("a")
	a := start(t, client(t, kgo.Dialer(g.dial), kgo.RequestRetries(0)), cfg, r)
	first := r.next(t, "assigned", 20*time.Second, members("a"))

	g.set(true)
	for failed := 0; failed < 3; {
		if e := r.next(t, "", 5*time.Second, func(event) bool { return true }); e.kind == "heartbeatFailed" {
			failed++
		} else {
			t.Fatalf("the generation must stay while HeartbeatFailed answers false: %v", e)
		}
	}
	g.set(false)
	_, cut := a.m.State()
	// Heartbeats go through again and confirm the same generation.
	deadline := time.Now().Add(5 * time.Second)
	for {
		gen, at := a.m.State()
		if gen != first.gen.Generation {
			t.Fatalf("generation %d while heartbeats failed, want %d kept", gen, first.gen.Generation)
		}
		if at.After(cut) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no heartbeat confirmed the generation within 5s of the broker being reachable again")
		}
		time.Sleep(20 * time.Millisecond)
	}
drain:
	for {
		select {
		case e := <-r.events:
			if e.kind == "ended" || e.kind == "assigned" {
				t.Fatalf("the generation must stay while HeartbeatFailed answers false: %v", e)
			}
		default:
			break drain
		}
	}

	r.rejoin.Store(true)
	g.set(true)
	r.next(t, "heartbeatFailed", 5*time.Second, nil)
	if e := r.next(t, "ended", time.Second, nil); e.end != Unreachable || e.err == nil {
		t.Fatalf("ended by %v (%v), want Unreachable with the failure", e.end, e.err)
	}
	r.next(t, "joinFailed", 5*time.Second, nil)
	g.set(false)
	again := r.next(t, "assigned", 20*time.Second, members("a"))
	if again.gen.MemberID != first.gen.MemberID || again.gen.Generation <= first.gen.Generation {
		t.Fatalf("after rejoining: %+v, before %+v", again.gen, first.gen)
	}
}
