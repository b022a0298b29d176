package mysql

import (
	"fmt"
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
	p := strings.Split(gtid, "-")
	if len(p) != 3 {
		return fmt.Errorf("%q is not a MariaDB GTID (domain-server-sequence)", gtid)
	}
	var n [3]uint64
	for i := range p {
		v, err := strconv.ParseUint(p[i], 10, 64)
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

// commit makes the current transaction part of the restart set.
func (g *gtidState) commit() { g.restart = g.String() }

// String is the set as Debezium writes it: MariaDB "d-s-n,…" ordered by
// domain and server, MySQL's own uuid:interval notation.
func (g *gtidState) String() string {
	if g.mariaDB {
		keys := make([][2]uint64, 0, len(g.maria))
		for k := range g.maria {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i][0] != keys[j][0] {
				return keys[i][0] < keys[j][0]
			}
			return keys[i][1] < keys[j][1]
		})
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = fmt.Sprintf("%d-%d-%d", k[0], k[1], g.maria[k])
		}
		return strings.Join(parts, ",")
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
