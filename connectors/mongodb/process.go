package mongodb

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/goconnect/goconnect/connect"
)

// sinkDoc is one record while it moves through the processors: the
// converted key and value documents (nil when absent) and the record.
type sinkDoc struct {
	rec   *connect.SinkRecord
	value bson.D
	// The key is converted on first use, as the Java sink's lazy key
	// document: a String key that is no JSON document only fails when a
	// strategy actually reads it.
	key     bson.D
	keyDone bool
	keyErr  error
}

// keyDoc returns the converted key document (nil when there is no key).
func (d *sinkDoc) keyDoc() (bson.D, error) {
	if !d.keyDone {
		d.keyDone = true
		d.key, d.keyErr = toDocument(d.rec.KeySchema, d.rec.Key)
		if d.keyErr != nil {
			d.keyErr = fmt.Errorf("converting the key: %w", d.keyErr)
		}
	}
	return d.key, d.keyErr
}

// postProcessor changes a sinkDoc in place (Java's PostProcessor).
type postProcessor interface {
	process(d *sinkDoc) error
}

// projection is an AllowList or BlockList of dotted field paths with `*`
// (one level) and `**` (everything below) wildcards.
type projection struct {
	allow    bool
	patterns [][]string
}

func newProjection(kind string, list []string) (*projection, error) {
	var allow bool
	switch strings.ToLower(kind) {
	case "", "none":
		return nil, nil
	case "allowlist", "whitelist":
		allow = true
	case "blocklist", "blacklist":
	default:
		return nil, fmt.Errorf("unknown projection type %q (none, AllowList or BlockList)", kind)
	}
	p := &projection{allow: allow}
	for _, f := range list {
		if f = strings.TrimSpace(f); f != "" {
			p.patterns = append(p.patterns, strings.Split(f, "."))
		}
	}
	return p, nil
}

// match says whether path is named by a pattern (exact), lies below a
// `**` pattern (all), or is an ancestor of a pattern (prefix).
func (p *projection) match(path []string) (exact, all, prefix bool) {
	for _, pat := range p.patterns {
		i := 0
		for ; i < len(pat) && i < len(path); i++ {
			if pat[i] == "**" {
				all = true
				break
			}
			if pat[i] != "*" && pat[i] != path[i] {
				break
			}
		}
		switch {
		case i < len(pat) && pat[i] == "**":
			all = true
		case i == len(pat) && i == len(path):
			exact = true
		case i == len(path) && i < len(pat):
			prefix = true
		}
	}
	return exact, all, prefix
}

// apply projects d; keepID keeps a top-level `_id` in allow lists, as the
// Java value projector does.
func (p *projection) apply(d bson.D, keepID bool) bson.D {
	if p == nil || d == nil {
		return d
	}
	return p.project(nil, d, keepID)
}

func (p *projection) project(path []string, d bson.D, keepID bool) bson.D {
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		fp := append(append([]string(nil), path...), e.Key)
		exact, all, prefix := p.match(fp)
		if p.allow {
			switch {
			case all || (keepID && len(path) == 0 && e.Key == "_id"):
				out = append(out, e)
			case exact || prefix:
				out = append(out, bson.E{Key: e.Key, Value: p.descend(fp, e.Value, exact, keepID)})
			}
			continue
		}
		if exact || all {
			continue
		}
		out = append(out, bson.E{Key: e.Key, Value: p.descend(fp, e.Value, false, keepID)})
	}
	return out
}

// descend projects sub-documents (and documents inside arrays). In an
// allow list an exactly named document is kept whole unless a deeper
// pattern names parts of it.
func (p *projection) descend(path []string, v any, exact, keepID bool) any {
	switch x := v.(type) {
	case bson.D:
		if p.allow && exact && !p.hasDeeper(path) {
			return x
		}
		return p.project(path, x, keepID)
	case bson.A:
		out := make(bson.A, len(x))
		for i, e := range x {
			out[i] = p.descend(path, e, exact, keepID)
		}
		return out
	}
	return v
}

func (p *projection) hasDeeper(path []string) bool {
	_, _, prefix := p.match(path)
	return prefix
}

// projector applies a projection to the key or the value document.
type projector struct {
	p     *projection
	onKey bool
}

func (pr projector) process(d *sinkDoc) error {
	if pr.onKey {
		k, err := d.keyDoc()
		if err != nil {
			return err
		}
		d.key = pr.p.apply(k, false)
	} else {
		d.value = pr.p.apply(d.value, true)
	}
	return nil
}

// renameMapping is one entry of field.renamer.mapping.
type renameMapping struct {
	OldName string `json:"oldName"`
	NewName string `json:"newName"`
}

// renameRegexp is one entry of field.renamer.regexp.
type renameRegexp struct {
	Regexp  string `json:"regexp"`
	Pattern string `json:"pattern"`
	Replace string `json:"replace"`
}

// renamer renames fields; names are matched on their full path prefixed
// with "key." or "value.", as the Java renamers do.
type renamer struct {
	mapping map[string]string
	regexps []struct {
		re, pat *regexp.Regexp
		repl    string
	}
}

func newMappingRenamer(js string) (*renamer, error) {
	var ms []renameMapping
	if err := json.Unmarshal([]byte(js), &ms); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", keyRenamerMapping, err)
	}
	r := &renamer{mapping: map[string]string{}}
	for _, m := range ms {
		if m.OldName == "" || m.NewName == "" {
			return nil, fmt.Errorf("%s entries need oldName and newName", keyRenamerMapping)
		}
		r.mapping[m.OldName] = m.NewName
	}
	return r, nil
}

func newRegexpRenamer(js string) (*renamer, error) {
	var rs []renameRegexp
	if err := json.Unmarshal([]byte(js), &rs); err != nil {
		return nil, fmt.Errorf("parsing %s: %w", keyRenamerRegexp, err)
	}
	r := &renamer{}
	for _, x := range rs {
		re, err := regexp.Compile(x.Regexp)
		if err != nil {
			return nil, fmt.Errorf("%s regexp %q: %w", keyRenamerRegexp, x.Regexp, err)
		}
		pat, err := regexp.Compile(x.Pattern)
		if err != nil {
			return nil, fmt.Errorf("%s pattern %q: %w", keyRenamerRegexp, x.Pattern, err)
		}
		r.regexps = append(r.regexps, struct {
			re, pat *regexp.Regexp
			repl    string
		}{re, pat, x.Replace})
	}
	return r, nil
}

func (r *renamer) process(d *sinkDoc) error {
	k, err := d.keyDoc()
	if err != nil {
		return err
	}
	d.key = r.rename("key", k)
	d.value = r.rename("value", d.value)
	return nil
}

func (r *renamer) rename(path string, d bson.D) bson.D {
	if d == nil {
		return nil
	}
	out := make(bson.D, len(d))
	for i, e := range d {
		full := path + "." + e.Key
		name := e.Key
		if n, ok := r.mapping[full]; ok {
			name = n
		}
		for _, x := range r.regexps {
			if x.re.MatchString(full) {
				name = x.pat.ReplaceAllString(name, x.repl)
			}
		}
		v := e.Value
		switch sub := v.(type) {
		case bson.D:
			v = r.rename(full, sub)
		case bson.A:
			a := make(bson.A, len(sub))
			for j, el := range sub {
				if sd, ok := el.(bson.D); ok {
					a[j] = r.rename(full, sd)
				} else {
					a[j] = el
				}
			}
			v = a
		}
		out[i] = bson.E{Key: name, Value: v}
	}
	return out
}

// documentIDAdder sets `_id` from the id strategy (Java's DocumentIdAdder).
type documentIDAdder struct {
	strategy  idStrategy
	overwrite bool
}

func (a documentIDAdder) process(d *sinkDoc) error {
	if d.value == nil {
		return nil
	}
	// The UUID-provided strategies convert the _id that is already there.
	ps, converts := a.strategy.(providedStrategy)
	if _, has := lookup(d.value, "_id"); has && !a.overwrite && !(converts && ps.uuid) {
		return nil
	}
	id, err := a.strategy.id(d)
	if err != nil {
		return err
	}
	// _id goes first, as BsonDocument.put of a new key would not do, but
	// MongoDB moves _id to the front anyway.
	d.value = append(bson.D{{Key: "_id", Value: id}}, without(d.value, "_id")...)
	return nil
}

// kafkaMetaAdder adds the record's coordinates and timestamp.
type kafkaMetaAdder struct{}

func (kafkaMetaAdder) process(d *sinkDoc) error {
	if d.value == nil {
		return nil
	}
	r := d.rec
	d.value = set(d.value, "topic-partition-offset", fmt.Sprintf("%s-%d-%d", r.Topic, r.Partition, r.KafkaOffset))
	if r.TimestampType != connect.NoTimestampType && !r.Timestamp.IsZero() {
		name := "CreateTime"
		if r.TimestampType == connect.LogAppendTime {
			name = "LogAppendTime"
		}
		d.value = set(d.value, name, r.Timestamp.UnixMilli())
	}
	return nil
}

// nullRemover drops null fields at every level.
type nullRemover struct{}

func (nullRemover) process(d *sinkDoc) error {
	d.value = removeNulls(d.value)
	return nil
}

func removeNulls(d bson.D) bson.D {
	if d == nil {
		return nil
	}
	out := make(bson.D, 0, len(d))
	for _, e := range d {
		switch x := e.Value.(type) {
		case nil:
			continue
		case bson.D:
			e.Value = removeNulls(x)
		}
		out = append(out, e)
	}
	return out
}

// now is the clock of the timestamp strategies; a field so tests can fix it.
type clock func() time.Time
