package mysql

import "strings"

// Boxing an int64 or a string into an interface allocates; the values of
// source blocks and offsets repeat from row to row (file, server id,
// restart position, the second of the event), so each is boxed once and
// reused while it stays the same.

type intBox struct {
	n   int64
	v   any
	set bool
}

func (b *intBox) get(n int64) any {
	if !b.set || b.n != n {
		b.n, b.v, b.set = n, n, true
	}
	return b.v
}

type strBox struct {
	s string
	v any
}

func (b *strBox) get(s string) any {
	if b.v == nil || b.s != s {
		b.s, b.v = s, s
	}
	return b.v
}

// secBox holds an event second as ms, µs and ns values (source.ts_*).
type secBox struct {
	sec        uint32
	ms, us, ns any
}

func (b *secBox) get(sec uint32) (ms, us, ns any) {
	if b.ms == nil || b.sec != sec {
		s := int64(sec)
		b.sec, b.ms, b.us, b.ns = sec, s*1000, s*1_000_000, s*1_000_000_000
	}
	return b.ms, b.us, b.ns
}

// boxes are a stream's cached boxed values.
type boxes struct {
	file, gtid, offGtids      strBox
	serverID, restartPos, pos intBox
	tsSec, event, thread      intBox
	nowMs                     intBox // envelope ts_ms
	ts                        secBox
}

// eqFoldBytes is strings.EqualFold(s, string(b)) without converting b.
func eqFoldBytes(s string, b []byte) bool {
	if len(s) == len(b) {
		i := 0
		for ; i < len(s); i++ {
			x, y := s[i], b[i]
			if x == y {
				continue
			}
			if lx := x | 0x20; lx == y|0x20 && lx >= 'a' && lx <= 'z' {
				continue
			}
			break
		}
		if i == len(s) {
			return true
		}
	}
	return strings.EqualFold(s, string(b))
}
