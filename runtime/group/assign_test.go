package group

import (
	"fmt"
	"testing"
	"time"
)

func units(conns, tasks int) []Unit {
	var out []Unit
	for c := range conns {
		name := fmt.Sprintf("c%d", c)
		out = append(out, Unit{Connector: name, Task: -1})
		for t := range tasks {
			out = append(out, Unit{Connector: name, Task: t})
		}
	}
	return out
}

// converge runs rounds as the workers would (each reports what it owns
// after stopping what was revoked) until nothing is revoked.
func converge(t *testing.T, a *Assignor, ids []string, start map[string][]Unit, all []Unit, now time.Time) (map[string][]Unit, int) {
	t.Helper()
	owned := start
	for round := 1; round <= 5; round++ {
		var ms []MemberState
		for _, id := range ids {
			ms = append(ms, MemberState{MemberID: id, Owned: owned[id]})
		}
		res := a.Assign(ms, all, now)
		revokedAny := false
		next := map[string][]Unit{}
		for id, as := range res {
			next[id] = as.Owned
			if len(as.Revoked) > 0 {
				revokedAny = true
			}
		}
		owned = next
		if !revokedAny {
			return owned, round
		}
	}
	t.Fatal("assignment did not converge in 5 rounds")
	return nil, 0
}

func checkExactlyOnce(t *testing.T, owned map[string][]Unit, all []Unit) {
	t.Helper()
	seen := map[Unit]string{}
	for id, us := range owned {
		for _, u := range us {
			if prev, ok := seen[u]; ok {
				t.Fatalf("%v assigned to %s and %s", u, prev, id)
			}
			seen[u] = id
		}
	}
	if len(seen) != len(all) {
		t.Fatalf("%d of %d units assigned", len(seen), len(all))
	}
}

func spread(owned map[string][]Unit, connectors bool) (lo, hi int) {
	lo = 1 << 30
	for _, us := range owned {
		n := 0
		for _, u := range us {
			if u.IsConnector() == connectors {
				n++
			}
		}
		lo, hi = min(lo, n), max(hi, n)
	}
	return lo, hi
}

func TestAssignSpreadsEvenly(t *testing.T) {
	all := units(2, 6)
	a := &Assignor{}
	owned, rounds := converge(t, a, []string{"a", "b", "c"}, map[string][]Unit{}, all, time.Now())
	if rounds != 1 {
		t.Fatalf("a fresh group needed %d rounds", rounds)
	}
	checkExactlyOnce(t, owned, all)
	if lo, hi := spread(owned, false); hi-lo > 1 {
		t.Fatalf("tasks spread %d..%d", lo, hi)
	}
	if lo, hi := spread(owned, true); hi-lo > 1 {
		t.Fatalf("connectors spread %d..%d", lo, hi)
	}
}

// A join moves only the new member's share; the others keep the rest.
func TestAssignJoinMovesOnlyWhatMust(t *testing.T) {
	all := units(1, 9)
	a := &Assignor{}
	before, _ := converge(t, a, []string{"a", "b"}, map[string][]Unit{}, all, time.Now())
	after, _ := converge(t, a, []string{"a", "b", "c"}, before, all, time.Now())
	checkExactlyOnce(t, after, all)
	moved := 0
	for _, id := range []string{"a", "b"} {
		keep := map[Unit]bool{}
		for _, u := range after[id] {
			keep[u] = true
		}
		for _, u := range before[id] {
			if !keep[u] {
				moved++
			}
		}
	}
	if moved != len(after["c"]) || len(after["c"]) < 3 {
		t.Fatalf("moved %d units, new member got %d", moved, len(after["c"]))
	}
}

// A departed worker's units wait out the delay, then go to the others.
func TestAssignHoldsLostUnitsForTheDelay(t *testing.T) {
	all := units(1, 4)
	a := &Assignor{MaxDelay: time.Minute}
	now := time.Now()
	before, _ := converge(t, a, []string{"a", "b"}, map[string][]Unit{}, all, now)
	res := a.Assign([]MemberState{{MemberID: "a", Owned: before["a"]}}, all, now.Add(time.Second))
	if len(res["a"].Owned) != len(before["a"]) || res["a"].DelayMs <= 0 || res["a"].DelayMs > 60000 {
		t.Fatalf("during the delay: %+v", res["a"])
	}
	res = a.Assign([]MemberState{{MemberID: "a", Owned: before["a"]}}, all, now.Add(2*time.Minute))
	if len(res["a"].Owned) != len(all) || res["a"].DelayMs != 0 {
		t.Fatalf("after the delay: %+v", res["a"])
	}
	// Without a delay the units move at once.
	b := &Assignor{}
	before, _ = converge(t, b, []string{"a", "b"}, map[string][]Unit{}, all, now)
	res = b.Assign([]MemberState{{MemberID: "a", Owned: before["a"]}}, all, now)
	if len(res["a"].Owned) != len(all) {
		t.Fatalf("no delay: %+v", res["a"])
	}
}

// Units of deleted connectors, and units claimed twice, are revoked.
func TestAssignRevokesStaleAndDuplicates(t *testing.T) {
	all := units(1, 2)
	gone := Unit{Connector: "deleted", Task: 0}
	res := (&Assignor{}).Assign([]MemberState{
		{MemberID: "a", Owned: []Unit{all[1], gone}},
		{MemberID: "b", Owned: []Unit{all[1]}},
	}, all, time.Now())
	if len(res["a"].Revoked) != 1 || res["a"].Revoked[0] != gone {
		t.Fatalf("a: %+v", res["a"])
	}
	if len(res["b"].Revoked) != 1 || res["b"].Revoked[0] != all[1] {
		t.Fatalf("b: %+v", res["b"])
	}
}
