package srrules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/twmb/franz-go/pkg/sr"
	jsonata "github.com/xiatechs/jsonata-go"
)

// TypeJSONata is the rule type of Confluent's JsonataExecutor.
const TypeJSONata = "JSONATA"

// Migration is what reading one version of a subject as another takes:
// the UPGRADE (or DOWNGRADE) rules of the versions between them, in the
// order Confluent's executeMigrations runs them, over the message as JSON.
type Migration struct {
	e     *Engine
	rules []sr.SchemaRule
	// down is a DOWNGRADE (writer newer than the reader).
	down bool
}

// Migrations returns the migration a read of writerVersion as
// readerVersion takes, nil when there is none. Only JSONATA rules are
// run; a migration needing another enabled rule type is refused, as is
// one whose writer version is unknown while either schema has migration
// rules.
func (e *Engine) Migrations(ctx context.Context, src MigrationSource, subject string, writerVersion, readerVersion int, reader, writer *Set) (*Migration, error) {
	if writerVersion <= 0 || readerVersion <= 0 {
		if reader.HasMigrationRules() || writer.HasMigrationRules() {
			return nil, MigrationError(reader, writer)
		}
		return nil, nil
	}
	rules, err := src.MigrationRules(ctx, subject, writerVersion, readerVersion)
	if err != nil {
		return nil, err
	}
	var enabled []sr.SchemaRule
	for i := range rules {
		if e.disabled(&rules[i]) {
			continue
		}
		if !strings.EqualFold(rules[i].Type, TypeJSONata) || e.noLoader {
			return nil, migrationError(rules[i : i+1])
		}
		enabled = append(enabled, rules[i])
	}
	if len(enabled) == 0 {
		return nil, nil
	}
	m := &Migration{e: e, rules: enabled, down: writerVersion > readerVersion}
	if m.down {
		// Versions from the writer's down, each version's rules reversed:
		// the whole list reversed.
		for i, j := 0, len(enabled)-1; i < j; i, j = i+1, j-1 {
			enabled[i], enabled[j] = enabled[j], enabled[i]
		}
	}
	return m, nil
}

// Run migrates a JSON message: each rule's JSONata expression over the
// message (a TRANSFORM's result replaces it unless it is empty; a
// CONDITION fails on false), with its onSuccess/onFailure action.
func (m *Migration) Run(doc []byte) ([]byte, error) {
	if m == nil {
		return doc, nil
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	var msg any
	if err := d.Decode(&msg); err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	msg = numbers(msg)
	for i := range m.rules {
		r := &m.rules[i]
		out, err := m.e.jsonata(r, msg)
		if err == nil && r.Kind == sr.SchemaRuleKindCondition {
			if ok, isBool := out.(bool); isBool && !ok {
				err = conditionFailed(r)
			}
		} else if err == nil && out != nil {
			msg = out
		}
		name, def := m.e.onSuccess(r), ""
		if err != nil {
			name, def = m.e.onFailure(r), actionError
		}
		if aerr := m.action(r, name, def, err); aerr != nil {
			return nil, aerr
		}
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return nil, fmt.Errorf("migrating: %w", err)
	}
	return b, nil
}

// action is runAction for a migration rule: an UPDOWN rule's "A,B" names
// the upgrade action first.
func (m *Migration) action(r *sr.SchemaRule, name, def string, cause error) error {
	if r.Mode == sr.SchemaRuleModeUpdown {
		if up, down, ok := strings.Cut(name, ","); ok {
			name = up
			if m.down {
				name = down
			}
		}
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = def
	}
	switch strings.ToUpper(name) {
	case "", actionNone:
		return nil
	case actionError:
		return &Error{Rule: r.Name, Cause: cause}
	}
	// DLQ has no record to copy here (the bytes are the writer's).
	return &Error{Rule: r.Name, Cause: errors.Join(cause, fmt.Errorf("action %s is not run by goconnect for migration rules", name))}
}

// compiled caches JSONata expressions; an Expr is evaluated under its
// lock (the library does not say it is safe for concurrent use).
type compiled struct {
	mu   sync.Mutex
	expr *jsonata.Expr
	err  error
}

func (e *Engine) jsonata(r *sr.SchemaRule, msg any) (any, error) {
	v, _ := e.jsonataCache.LoadOrStore(r.Expr, &compiled{})
	c := v.(*compiled)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expr == nil && c.err == nil {
		c.expr, c.err = jsonata.Compile(r.Expr)
	}
	if c.err != nil {
		return nil, fmt.Errorf("Could not parse expression: %v", c.err)
	}
	out, err := c.expr.Eval(msg)
	if err != nil {
		if errors.Is(err, jsonata.ErrUndefined) {
			return nil, nil
		}
		return nil, fmt.Errorf("Could not evaluate expression: %v", err)
	}
	return out, nil
}

// numbers gives the expressions float64 numbers, which the JSONata library
// computes and compares with; an integer a float64 cannot hold exactly
// stays a json.Number, so a value passed through keeps its digits.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return x
		}
		if i, err := x.Int64(); err == nil && int64(f) != i {
			return x
		}
		return f
	case []any:
		for i := range x {
			x[i] = numbers(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = numbers(x[k])
		}
	}
	return v
}
