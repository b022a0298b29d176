package mysql

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect/config"
)

// Debezium's notifications (NotificationService): of its channels,
// goconnect has "log", which writes each notification as an INFO line in
// Debezium's form; "sink" (a topic) and "jmx" are refused.
const (
	keyNotifyChannels = "notification.enabled.channels"
	notifyLogPrefix   = "[Notification Service] "
	// aggregateIncremental is IncrementalSnapshotNotificationService's
	// aggregate type.
	aggregateIncremental = "Incremental Snapshot"
)

// parseNotifyChannels reads notification.enabled.channels: whether the
// log channel is on.
func parseNotifyChannels(props map[string]string) (bool, error) {
	raw := props[keyNotifyChannels]
	on := false
	for _, c := range strings.Split(raw, ",") {
		switch c = strings.ToLower(strings.TrimSpace(c)); c {
		case "":
		case "log":
			on = true
		default:
			return false, &config.Error{Key: keyNotifyChannels, Value: raw,
				Message: "notification channel " + c + " is not supported by goconnect (log is)"}
		}
	}
	return on, nil
}

// notification is Debezium's Notification.
type notification struct {
	id, aggregateType, typ string
	data                   [][2]string // additional data, in the order Debezium puts it
	ts                     time.Time
}

// String is Notification.toString, its additional data as the HashMap
// Debezium builds prints it.
func (n notification) String() string {
	return fmt.Sprintf("{id='%s', aggregateType='%s', type='%s', additionalData=%s, timestamp=%d}",
		n.id, n.aggregateType, n.typ, javaHashMapString(n.data), n.ts.UnixMilli())
}

// notifyIncremental logs an incremental snapshot notification when the
// log channel is on: the additional data and the connector's name, the
// signal's id as the notification's (a random one without), as
// IncrementalSnapshotNotificationService builds them.
func (t *Task) notifyIncremental(c *incrContext, typ string, data ...[2]string) {
	if !t.st.notifyLog {
		return
	}
	// The signal's id; once the snapshot's context let it go (at its end),
	// the one remembered.
	id := ""
	switch {
	case c.correlation != nil:
		id = *c.correlation
	case c.prog != nil && c.prog.corr != "":
		id = c.prog.corr
	default:
		id = randomUUID()
	}
	n := notification{id: id, aggregateType: aggregateIncremental, typ: typ,
		data: append(data, [2]string{"connector_name", t.st.prefix}), ts: time.Now()}
	// LogNotificationChannel: LOGGER.info("{} {}", LOG_PREFIX, notification).
	t.log.Info(notifyLogPrefix + " " + n.String())
}

// javaHashMapString prints entries as Java's HashMap.toString does for
// the map Debezium builds: new HashMap<>(additional data) and then one
// put, so the table has 16 buckets for one entry, 4 for two or three, 8
// for four or five; entries go in bucket order, a bucket's in insertion
// order.
func javaHashMapString(entries [][2]string) string {
	buckets := 16
	switch n := len(entries); {
	case n == 2 || n == 3:
		buckets = 4
	case n == 4 || n == 5:
		buckets = 8
	case n > 5:
		buckets = 16
	}
	idx := func(k string) int {
		var h int32
		for _, r := range k { // String.hashCode over UTF-16 units; keys here are ASCII
			h = 31*h + int32(r)
		}
		u := uint32(h)
		return int((u ^ u>>16) & uint32(buckets-1))
	}
	order := make([]int, len(entries))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return idx(entries[order[a]][0]) < idx(entries[order[b]][0]) })
	var b strings.Builder
	b.WriteByte('{')
	for i, o := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(entries[o][0] + "=" + entries[o][1])
	}
	b.WriteByte('}')
	return b.String()
}
