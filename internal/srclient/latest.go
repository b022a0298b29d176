package srclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

// MetadataPair is one key=value entry of use.latest.with.metadata.
type MetadataPair struct{ Key, Value string }

// parseMetadataSpec reads use.latest.with.metadata as Confluent's
// MapPropertyParser does: a one-line CSV with a comma between entries and
// the single quote as quote character (doubled inside quotes for a quote),
// each entry split at its first "=". An entry without "=" or a key given
// twice is an error there too (an exception while configuring).
func parseMetadataSpec(spec string) ([]MetadataPair, error) {
	var entries []string
	var cur strings.Builder
	quoted, wasQuoted := false, false
	for i := 0; i < len(spec); i++ {
		ch := spec[i]
		switch {
		case quoted && ch == '\'' && i+1 < len(spec) && spec[i+1] == '\'':
			cur.WriteByte('\'')
			i++
		case ch == '\'' && (quoted || cur.Len() == 0 && !wasQuoted):
			quoted, wasQuoted = !quoted, true
		case ch == ',' && !quoted:
			entries = append(entries, cur.String())
			cur.Reset()
			wasQuoted = false
		default:
			cur.WriteByte(ch)
		}
	}
	if quoted {
		return nil, fmt.Errorf("unterminated quote in %q", spec)
	}
	entries = append(entries, cur.String())
	out := make([]MetadataPair, 0, len(entries))
	seen := map[string]bool{}
	for _, e := range entries {
		k, v, ok := strings.Cut(e, "=")
		if !ok {
			return nil, fmt.Errorf("entry %q is not key=value", e)
		}
		if seen[k] {
			return nil, fmt.Errorf("duplicate key %q", k)
		}
		seen[k] = true
		out = append(out, MetadataPair{k, v})
	}
	return out, nil
}

// metadataString prints the pairs as Confluent's messages print the map.
func metadataString(pairs []MetadataPair) string {
	parts := make([]string, len(pairs))
	for i, p := range pairs {
		parts[i] = p.Key + "=" + p.Value
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// WritesLatest is whether the writer's id is a subject's latest version
// (use.latest.with.metadata or use.latest.version, neither
// auto.register.schemas nor use.schema.id before them), which
// latest.cache.ttl.sec expires.
func (c *Client) WritesLatest() bool {
	return !c.AutoReg && c.UseSchemaID < 0 && (c.LatestMeta != nil || c.UseLatest)
}

// LatestWithMetadata reads the subject's latest version whose metadata
// properties hold every use.latest.with.metadata pair (GET
// /subjects/{s}/metadata), soft-deleted versions included as Confluent's
// serializers ask. want is the converter's schema type: another type is
// an error. No compatibility check, as in Confluent's serializers.
func (c *Client) LatestWithMetadata(ctx context.Context, subject string, want sr.SchemaType) (sr.SubjectSchema, error) {
	q := url.Values{}
	for _, p := range c.LatestMeta {
		q.Add("key", p.Key)
		q.Add("value", p.Value)
	}
	q.Set("deleted", "true")
	var ss sr.SubjectSchema
	err := c.doKeepingEncoding(sr.WithParams(ctx, sr.RawParams(q)), http.MethodGet, "/subjects/"+url.PathEscape(subject)+"/metadata", nil, &ss, &ss.Schema)
	if err != nil {
		return ss, fmt.Errorf("error retrieving latest with metadata '%s': %w", metadataString(c.LatestMeta), Explain(err))
	}
	if ss.Type != want {
		return ss, fmt.Errorf("the latest version of subject %s with metadata '%s' (version %d, id %d) is %s, not %s",
			subject, metadataString(c.LatestMeta), ss.Version, ss.ID, ss.Type, typeLabel(want))
	}
	return ss, nil
}

// ReadsLatest is whether records are read as a subject's latest version
// rather than as their writer's schema: Confluent's deserializers do so
// with use.latest.with.metadata or use.latest.version, whatever the
// writer settings (auto.register.schemas, use.schema.id).
func (c *Client) ReadsLatest() bool { return c.LatestMeta != nil || c.UseLatest }

// readerCache keeps reader versions per subject.
type readerCache struct {
	mu sync.Mutex
	m  map[string]readerEntry
	// now is the clock latest.cache.ttl.sec is measured on (tests set
	// it); nil is time.Now.
	now func() time.Time
}

type readerEntry struct {
	ss      sr.SubjectSchema
	expires time.Time // zero: never
}

// ReaderVersion is the version of subject a record is read as when
// ReadsLatest: the latest version with use.latest.with.metadata's
// metadata, else the latest version, as Confluent's deserializers take
// it (lookupLatestVersion without the compatibility check, so a record
// the version cannot read fails alone). Answers are kept for
// latest.cache.ttl.sec (negative: for the converter's life). want is the
// converter's schema type: another type is an error.
func (c *Client) ReaderVersion(ctx context.Context, subject string, want sr.SchemaType) (sr.SubjectSchema, error) {
	now := time.Now
	c.readers.mu.Lock()
	if c.readers.now != nil {
		now = c.readers.now
	}
	e, ok := c.readers.m[subject]
	c.readers.mu.Unlock()
	if ok && (e.expires.IsZero() || now().Before(e.expires)) {
		return e.ss, nil
	}
	var ss sr.SubjectSchema
	var err error
	if c.LatestMeta != nil {
		if ss, err = c.LatestWithMetadata(ctx, subject, want); err != nil {
			return ss, err
		}
	} else {
		if ss, err = c.SchemaByVersion(ctx, subject, -1); err != nil {
			return ss, fmt.Errorf("error retrieving the latest version of subject %s: %w", subject, Explain(err))
		}
		if ss.Type != want {
			return ss, fmt.Errorf("the latest version of subject %s (version %d, id %d) is %s, not %s", subject, ss.Version, ss.ID, ss.Type, typeLabel(want))
		}
	}
	e = readerEntry{ss: ss}
	if c.LatestTTL >= 0 {
		e.expires = now().Add(c.LatestTTL)
	}
	c.readers.mu.Lock()
	if c.readers.m == nil {
		c.readers.m = map[string]readerEntry{}
	}
	c.readers.m[subject] = e
	c.readers.mu.Unlock()
	return ss, nil
}

// SetReaderClock sets the clock ReaderVersion's cache is measured on.
func (c *Client) SetReaderClock(now func() time.Time) {
	c.readers.mu.Lock()
	c.readers.now = now
	c.readers.mu.Unlock()
}
