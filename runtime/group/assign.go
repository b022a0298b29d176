package group

import (
	"sort"
	"time"
)

// Unit is a connector instance (Task < 0) or a task.
type Unit struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// IsConnector tells a connector instance from a task.
func (u Unit) IsConnector() bool { return u.Task < 0 }

func less(a, b Unit) bool {
	if a.Connector != b.Connector {
		return a.Connector < b.Connector
	}
	return a.Task < b.Task
}

// MemberState is what a worker tells the leader when it joins.
type MemberState struct {
	MemberID     string `json:"-"`
	URL          string `json:"url"`
	ConfigOffset int64  `json:"config_offset"`
	// Owned is what the worker runs now; cooperative rebalancing keeps it
	// there unless it must move.
	Owned []Unit `json:"owned"`
}

// Assignment is the leader's answer to one worker.
type Assignment struct {
	Leader       string `json:"leader"`
	LeaderURL    string `json:"leader_url"`
	ConfigOffset int64  `json:"config_offset"`
	// Owned is everything the worker runs after this round.
	Owned []Unit `json:"owned"`
	// Revoked must be stopped before the worker rejoins; another worker
	// gets them in the next round.
	Revoked []Unit `json:"revoked,omitempty"`
	// Delay asks for a rejoin after it ends: work of a departed worker is
	// held for scheduled.rebalance.max.delay.ms in case it comes back.
	DelayMs int64 `json:"delay_ms,omitempty"`
	// All, never sent, gives every unit to this worker: a member that is
	// alone by construction (standalone mode) needs no assignor.
	All bool `json:"-"`
}

// Assignor is the leader's memory across rounds, for the delayed
// reassignment of departed workers' units.
type Assignor struct {
	// MaxDelay is scheduled.rebalance.max.delay.ms.
	MaxDelay time.Duration
	// lastOwner remembers who had each unit after the previous round.
	lastOwner map[Unit]string
	// heldUntil is when held units of departed workers are released.
	heldUntil time.Time
	held      map[Unit]bool
}

// Assign computes every member's assignment for all units: units stay
// where they run; departed workers' units wait out MaxDelay (once) and
// then go to the least loaded; a member holding more than its share gives
// the excess up (revoked now, reassigned next round), so a join or leave
// moves only what must move. Connectors and tasks are balanced apart.
func (a *Assignor) Assign(members []MemberState, all []Unit, now time.Time) map[string]Assignment {
	sort.Slice(members, func(i, j int) bool { return members[i].MemberID < members[j].MemberID })
	exists := map[Unit]bool{}
	for _, u := range all {
		exists[u] = true
	}
	present := map[string]bool{}
	for _, m := range members {
		present[m.MemberID] = true
	}
	owner := map[Unit]string{}
	owned := map[string][]Unit{}
	revoked := map[string][]Unit{}
	for _, m := range members {
		for _, u := range m.Owned {
			if _, dup := owner[u]; dup || !exists[u] {
				revoked[m.MemberID] = append(revoked[m.MemberID], u)
				continue
			}
			owner[u] = m.MemberID
			owned[m.MemberID] = append(owned[m.MemberID], u)
		}
	}

	// Units whose last owner left are held until the delay ends.
	var delay time.Duration
	if a.MaxDelay > 0 {
		lost := map[Unit]bool{}
		for _, u := range all {
			if _, ok := owner[u]; ok {
				continue
			}
			if prev, ok := a.lastOwner[u]; ok && !present[prev] {
				lost[u] = true
			}
		}
		for u := range a.held {
			if _, ok := owner[u]; !ok && exists[u] {
				lost[u] = true
			}
		}
		switch {
		case len(lost) == 0:
			a.held, a.heldUntil = nil, time.Time{}
		case a.held == nil:
			a.held, a.heldUntil = lost, now.Add(a.MaxDelay)
		default:
			for u := range lost {
				a.held[u] = true
			}
		}
		if a.held != nil {
			if now.Before(a.heldUntil) {
				delay = a.heldUntil.Sub(now)
			} else {
				a.held, a.heldUntil = nil, time.Time{}
			}
		}
	}

	var free []Unit
	for _, u := range all {
		if _, ok := owner[u]; !ok && !a.held[u] {
			free = append(free, u)
		}
	}
	sort.Slice(free, func(i, j int) bool { return less(free[i], free[j]) })

	for _, kind := range []bool{true, false} {
		balance(members, owned, revoked, free, kind)
	}

	a.lastOwner = map[Unit]string{}
	out := map[string]Assignment{}
	for _, m := range members {
		us := owned[m.MemberID]
		sort.Slice(us, func(i, j int) bool { return less(us[i], us[j]) })
		for _, u := range us {
			a.lastOwner[u] = m.MemberID
		}
		out[m.MemberID] = Assignment{Owned: us, Revoked: revoked[m.MemberID], DelayMs: delay.Milliseconds()}
	}
	return out
}

// balance handles one kind (connectors or tasks): it revokes what exceeds
// each member's share and gives free units to the least loaded.
func balance(members []MemberState, owned, revoked map[string][]Unit, free []Unit, connectors bool) {
	if len(members) == 0 {
		return
	}
	count := func(id string) int {
		n := 0
		for _, u := range owned[id] {
			if u.IsConnector() == connectors {
				n++
			}
		}
		return n
	}
	var mine []Unit
	for _, u := range free {
		if u.IsConnector() == connectors {
			mine = append(mine, u)
		}
	}
	total := len(mine)
	for _, m := range members {
		total += count(m.MemberID)
	}
	floor, extra := total/len(members), total%len(members)
	// The members already holding the most keep one more than the floor.
	order := make([]string, len(members))
	for i, m := range members {
		order[i] = m.MemberID
	}
	sort.SliceStable(order, func(i, j int) bool { return count(order[i]) > count(order[j]) })
	for i, id := range order {
		limit := floor
		if i < extra {
			limit++
		}
		for count(id) > limit {
			// Give up the last unit of this kind.
			us := owned[id]
			for k := len(us) - 1; k >= 0; k-- {
				if us[k].IsConnector() == connectors {
					revoked[id] = append(revoked[id], us[k])
					owned[id] = append(us[:k:k], us[k+1:]...)
					break
				}
			}
		}
	}
	// Units revoked this round are not free until their owner stopped
	// them, so only already-free units are placed now.
	for _, u := range mine {
		best := ""
		for _, m := range members {
			if best == "" || count(m.MemberID) < count(best) {
				best = m.MemberID
			}
		}
		owned[best] = append(owned[best], u)
	}
}
