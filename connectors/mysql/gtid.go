package mysql

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"
)

// gtidState follows the GTIDs of the stream as Debezium's offset context
// does: the set a restart resumes from (before the current transaction)
// and the set including it.
type gtidState struct {
	mariaDB bool
	// known: the set describes everything before the stream position, so
	// it may be stored and resumed from. MariaDB resumes from the last GTID
	// of each domain, so what the stream has seen is always enough; MySQL
	// needs the complete executed set from the snapshot or the offset.
	known bool
	maria map[[2]uint64]uint64 // (domain, server) → last sequence
	mysql *gomysql.MysqlGTIDSet
	// current is the GTID of the transaction being read, restart the set
	// stored in offsets.
	current, restart string
	// lazy: the restart set is the one MariaDB GTID in lazyGTID (domain,
	// server, sequence), its text not written yet. MariaDB's offsets do
	// not carry the set, so writing it at every commit was a string per
	// transaction that nothing read.
	lazy     bool
	lazyGTID [3]uint64
}

func newGtidState(mariaDB bool, initial string) (*gtidState, error) {
	g := &gtidState{mariaDB: mariaDB, known: mariaDB || initial != "", maria: map[[2]uint64]uint64{}}
	initial = strings.NewReplacer("\n", "", "\r", "").Replace(initial)
	if mariaDB {
		for _, s := range strings.Split(initial, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			if err := g.addMaria(s); err != nil {
				return nil, fmt.Errorf("stored gtids %q: %w", initial, err)
			}
		}
	} else {
		set, err := gomysql.ParseMysqlGTIDSet(initial)
		if err != nil {
			return nil, fmt.Errorf("stored gtids %q: %w", initial, err)
		}
		g.mysql = set.(*gomysql.MysqlGTIDSet)
	}
	g.restart = g.String()
	return g, nil
}

func (g *gtidState) addMaria(gtid string) error {
	var n [3]uint64
	rest := gtid
	for i := range n {
		part := rest
		if i < 2 {
			var ok bool
			if part, rest, ok = strings.Cut(rest, "-"); !ok {
				return fmt.Errorf("%q is not a MariaDB GTID (domain-server-sequence)", gtid)
			}
		} else if strings.Contains(part, "-") {
			return fmt.Errorf("%q is not a MariaDB GTID (domain-server-sequence)", gtid)
		}
		v, err := strconv.ParseUint(part, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a MariaDB GTID: %w", gtid, err)
		}
		n[i] = v
	}
	k := [2]uint64{n[0], n[1]}
	if n[2] > g.maria[k] {
		g.maria[k] = n[2]
	}
	return nil
}

// begin records the GTID event of a transaction; the restart set stays
// the one before it until the transaction commits.
func (g *gtidState) begin(gtid string) {
	g.current = gtid
	if g.mariaDB {
		_ = g.addMaria(gtid)
	} else if g.mysql != nil {
		_ = g.mysql.Update(gtid)
	}
}

// beginMaria is begin for a MariaDB GTID whose parts are known, without
// parsing them from gtid again.
func (g *gtidState) beginMaria(gtid string, domain, server, seq uint64) {
	g.current = gtid
	k := [2]uint64{domain, server}
	if seq > g.maria[k] {
		g.maria[k] = seq
	}
}

// commit makes the current transaction part of the restart set.
func (g *gtidState) commit() {
	if g.mariaDB && len(g.maria) == 1 {
		for k, seq := range g.maria {
			g.lazy, g.lazyGTID = true, [3]uint64{k[0], k[1], seq}
		}
		return
	}
	g.lazy, g.restart = false, g.String()
}

// String is the set as Debezium writes it: MariaDB "d-s-n,…" ordered by
// domain and server, MySQL's own uuid:interval notation.
func (g *gtidState) String() string {
	if g.mariaDB {
		// Written once per transaction: no fmt, and no sort for the
		// usual single (domain, server).
		var buf [4][2]uint64
		keys := buf[:0]
		for k := range g.maria {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]uint64) int {
			if c := cmp.Compare(a[0], b[0]); c != 0 {
				return c
			}
			return cmp.Compare(a[1], b[1])
		})
		var text [64]byte
		b := text[:0]
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendUint(b, k[0], 10)
			b = strconv.AppendUint(append(b, '-'), k[1], 10)
			b = strconv.AppendUint(append(b, '-'), g.maria[k], 10)
		}
		return string(b)
	}
	if g.mysql == nil {
		return ""
	}
	return g.mysql.String()
}

// offsetValue is what goes under "gtids" in offsets ("" for none).
func (g *gtidState) offsetValue() string {
	if g == nil || !g.known {
		return ""
	}
	if g.lazy {
		var text [64]byte
		b := strconv.AppendUint(text[:0], g.lazyGTID[0], 10)
		b = strconv.AppendUint(append(b, '-'), g.lazyGTID[1], 10)
		b = strconv.AppendUint(append(b, '-'), g.lazyGTID[2], 10)
		g.lazy, g.restart = false, string(b)
	}
	return g.restart
}

// startSet is the set to resume a binlog dump from, or nil for file/pos.
// MariaDB takes one GTID per replication domain: the highest sequence.
func (g *gtidState) startSet() (gomysql.GTIDSet, error) {
	s := g.offsetValue()
	if s == "" {
		return nil, nil
	}
	if !g.mariaDB {
		return gomysql.ParseMysqlGTIDSet(s)
	}
	best := map[uint64]string{}
	seq := map[uint64]uint64{}
	for _, part := range strings.Split(s, ",") {
		p := strings.Split(part, "-")
		if len(p) != 3 {
			continue
		}
		d, _ := strconv.ParseUint(p[0], 10, 64)
		n, _ := strconv.ParseUint(p[2], 10, 64)
		if _, ok := best[d]; !ok || n > seq[d] {
			best[d], seq[d] = part, n
		}
	}
	parts := make([]string, 0, len(best))
	for _, v := range best {
		parts = append(parts, v)
	}
	sort.Strings(parts)
	return gomysql.ParseMariadbGTIDSet(strings.Join(parts, ","))
}
