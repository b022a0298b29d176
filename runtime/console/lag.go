package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/goconnect/goconnect/connect"
)

// PartitionLag is one topic-partition of a sink connector's consumer group.
type PartitionLag struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	// Committed is the group's committed offset, -1 when none.
	Committed int64 `json:"committed"`
	End       int64 `json:"log_end_offset"`
	// Lag is End-Committed; with nothing committed, the whole partition.
	Lag int64 `json:"lag"`
}

// Lag is the answer of GET /ui/api/connectors/{name}/lag.
type Lag struct {
	Group      string         `json:"group"`
	Partitions []PartitionLag `json:"partitions"`
}

// serveLag reads a sink connector's committed offsets (its consumer group
// connect-<name>, as Connect names it) and the log end offsets of the
// topics it consumes, through the worker's admin client.
func (h *Handler) serveLag(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	st, err := h.cfg.Cluster.Status(name)
	if err != nil {
		writeError(w, http.StatusNotFound, "Connector "+name+" not found")
		return
	}
	if st.Type != connect.TypeSink {
		writeError(w, http.StatusBadRequest, "Connector "+name+" is not a sink connector")
		return
	}
	as, ok := h.cfg.Cluster.(AdminSource)
	if !ok {
		writeError(w, http.StatusNotFound, "this worker has no Kafka admin client")
		return
	}
	adm, err := as.Admin()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Kafka admin client: "+err.Error())
		return
	}
	ctx, cancel := withTimeout(r)
	defer cancel()
	group := "connect-" + name
	out := Lag{Group: group, Partitions: []PartitionLag{}}
	committed, err := adm.FetchOffsets(ctx, group)
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		writeError(w, http.StatusInternalServerError, "fetching offsets of consumer group "+group+": "+err.Error())
		return
	}
	topics := map[string]bool{}
	committed.Each(func(o kadm.OffsetResponse) {
		if o.Err == nil {
			topics[o.Topic] = true
		}
	})
	named, err := h.sinkTopics(ctx, adm, name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	for _, t := range named {
		topics[t] = true
	}
	if len(topics) == 0 {
		writeJSON(w, http.StatusOK, out)
		return
	}
	names := make([]string, 0, len(topics))
	for t := range topics {
		names = append(names, t)
	}
	ends, err := adm.ListEndOffsets(ctx, names...)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "listing log end offsets: "+err.Error())
		return
	}
	ends.Each(func(e kadm.ListedOffset) {
		if e.Err != nil {
			return // a topic that does not exist (yet)
		}
		p := PartitionLag{Topic: e.Topic, Partition: e.Partition, Committed: -1, End: e.Offset}
		if c, ok := committed.Lookup(e.Topic, e.Partition); ok && c.Err == nil && c.At >= 0 {
			p.Committed = c.At
		}
		p.Lag = p.End - max(p.Committed, 0)
		out.Partitions = append(out.Partitions, p)
	})
	sort.Slice(out.Partitions, func(i, j int) bool {
		a, b := out.Partitions[i], out.Partitions[j]
		if a.Topic != b.Topic {
			return a.Topic < b.Topic
		}
		return a.Partition < b.Partition
	})
	writeJSON(w, http.StatusOK, out)
}

// sinkTopics are the topics a sink's config names: its topics list, or
// the existing topics its topics.regex matches whole (as Java's
// Pattern.matches, which the consumer's subscription uses), so partitions
// with nothing committed yet show their full lag.
func (h *Handler) sinkTopics(ctx context.Context, adm *kadm.Client, name string) ([]string, error) {
	cs, ok := h.cfg.Cluster.(interface {
		Config(name string) (map[string]string, error)
	})
	if !ok {
		return nil, nil
	}
	cfg, err := cs.Config(name)
	if err != nil {
		return nil, nil
	}
	var out []string
	for _, t := range strings.Split(cfg["topics"], ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	re := strings.TrimSpace(cfg["topics.regex"])
	if re == "" {
		return out, nil
	}
	m, err := regexp.Compile(`^(?:` + re + `)$`)
	if err != nil {
		return nil, fmt.Errorf("topics.regex %q: %w", re, err)
	}
	listed, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing topics for topics.regex: %w", err)
	}
	for _, t := range listed.Names() {
		if m.MatchString(t) {
			out = append(out, t)
		}
	}
	return out, nil
}
