package srclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"
)

// migrationCache holds MigrationRules' answers: registered versions do
// not change.
type migrationCache struct {
	mu sync.Mutex
	m  map[migrationKey][]sr.SchemaRule
}

type migrationKey struct {
	subject        string
	writer, reader int
}

// MigrationRules are the migration rules Confluent's deserializer would
// consider reading a record of subject version writer as version reader
// (getMigrations): UPGRADE (writer < reader) the UPGRADE and UPDOWN rules
// of versions writer+1..reader, DOWNGRADE those of reader+1..writer.
// Nil when the versions are equal or unknown (0).
func (c *Client) MigrationRules(ctx context.Context, subject string, writer, reader int) ([]sr.SchemaRule, error) {
	if writer <= 0 || reader <= 0 || writer == reader {
		return nil, nil
	}
	key := migrationKey{subject, writer, reader}
	c.migrations.mu.Lock()
	rules, ok := c.migrations.m[key]
	c.migrations.mu.Unlock()
	if ok {
		return rules, nil
	}
	lo, hi, mode := writer, reader, sr.SchemaRuleModeUpgrade
	if writer > reader {
		lo, hi, mode = reader, writer, sr.SchemaRuleModeDowngrade
	}
	for v := lo + 1; v <= hi; v++ {
		// Soft-deleted versions count, as Confluent asks with
		// lookupDeleted; a version deleted for good is skipped (Confluent's
		// deserializer fails the record on it).
		ss, err := c.SchemaByVersion(sr.WithParams(ctx, sr.ShowDeleted), subject, v)
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("version %d of subject %s: %w", v, subject, Explain(err))
		}
		if ss.SchemaRuleSet == nil {
			continue
		}
		for _, r := range ss.SchemaRuleSet.MigrationRules {
			if r.Mode == mode || r.Mode == sr.SchemaRuleModeUpdown {
				rules = append(rules, r)
			}
		}
	}
	c.migrations.mu.Lock()
	if c.migrations.m == nil || len(c.migrations.m) >= 1000 {
		c.migrations.m = map[migrationKey][]sr.SchemaRule{}
	}
	c.migrations.m[key] = rules
	c.migrations.mu.Unlock()
	return rules, nil
}
