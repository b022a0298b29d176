// Package srrules executes the domain rules of a schema's rule set (Confluent
// data contracts) the way Confluent's serializers and deserializers do
// (AbstractKafkaSchemaSerDe.executeRules): CEL conditions and transforms on
// the whole message and CEL_FIELD ones on each primitive field, in WRITE,
// READ and WRITEREAD modes, with the NONE and ERROR actions.
//
// Rules run over Connect data (a *data.Struct and its schema), the form all
// three schema-registry converters hold just before encoding and just after
// decoding; the converters supply each field's inline tags.
package srrules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/ext"
	"github.com/goconnect/goconnect/connect/data"
	"github.com/twmb/franz-go/pkg/sr"
)

// Mode is the direction rules run in.
type Mode int

// Modes of a converter: Write before encoding, Read after decoding.
const (
	Write Mode = iota + 1
	Read
)

func (m Mode) String() string {
	if m == Read {
		return "READ"
	}
	return "WRITE"
}

// Rule types and actions goconnect knows.
const (
	TypeCEL      = "CEL"
	TypeCELField = "CEL_FIELD"
	actionNone   = "NONE"
	actionError  = "ERROR"
	actionDLQ    = "DLQ"
)

// encodingRuleParam marks the rule set's encodingRules, which srclient
// keeps among the domain rules (srclient.EncodingRuleParam).
const encodingRuleParam = "goconnect.encoding.rule"

// unavailable are Confluent rule types whose executors goconnect lacks. They
// fail a record whatever its onFailure action says: ignoring an encryption
// or migration rule would write or hand on data the contract forbids.
var unavailable = map[string]string{
	"ENCRYPT_PAYLOAD": "payload encryption runs from the rule set's encodingRules, not its domainRules",
	"JSONATA":         "JSONata transforms",
}

// Engine holds a converter's rule settings and its compiled CEL programs.
// It is safe for concurrent use.
type Engine struct {
	// overrides are rule.executors.<rule name|_TYPE_|_default_>.<onSuccess|onFailure|disabled>.
	overrides map[string]string
	// noLoader is rule.service.loader.enable=false: Confluent then loads
	// no executor, so every rule fails with "Could not find rule executor".
	noLoader bool

	// props are the converter's settings (executor configs derive from
	// them), getenv reads the environment (LOCAL_SECRET).
	props  map[string]string
	getenv func(string) string
	// crypt runs ENCRYPT rules; nil until SetDEKRegistry. execConfigs
	// caches executorConfig per rule type.
	crypt       *crypt
	execConfigs sync.Map
	// dlq is the DLQ action.
	dlq *dlq
	// jsonataCache holds migration rules' compiled expressions.
	jsonataCache sync.Map // expression -> *compiled

	envOnce  sync.Once
	env      *cel.Env
	envErr   error
	programs sync.Map // expression -> cel.Program
}

// NewEngine reads the rule settings of a serializer/deserializer config.
// rule.executors and rule.actions name Java classes to load, which goconnect
// cannot; they are refused rather than ignored.
func NewEngine(props map[string]string) (*Engine, error) {
	e := &Engine{overrides: map[string]string{}, props: props, getenv: os.Getenv, dlq: newDLQ(props)}
	for _, k := range []string{"rule.executors", "rule.actions"} {
		if v := strings.TrimSpace(props[k]); v != "" {
			return nil, fmt.Errorf("%s=%s: goconnect cannot load rule executor or action classes; it runs the CEL and CEL_FIELD rules itself", k, v)
		}
	}
	if v, ok := props["rule.service.loader.enable"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("rule.service.loader.enable=%q: not a boolean", v)
		}
		e.noLoader = !b
	}
	for k, v := range props {
		if strings.HasPrefix(k, "rule.executors.") {
			e.overrides[k] = v
		}
	}
	return e, nil
}

// Set is the rule set of one registered schema version.
type Set struct {
	e         *Engine
	domain    []sr.SchemaRule
	migration []sr.SchemaRule
	// encoding are the rule set's encodingRules (srclient keeps them
	// among the domain rules, marked).
	encoding []sr.SchemaRule
	tags     TagFunc
	// metaTags are the schema metadata's tags by field path pattern.
	metaTags []metaTag
	// props are the schema metadata's properties (rule parameters fall
	// back to them).
	props map[string]string
}

type metaTag struct {
	pattern *regexp.Regexp
	tags    []string
}

// TagFunc returns the inline tags (confluent:tags) of a field of a Connect
// struct schema, as the registered schema declares them.
type TagFunc func(record *data.Schema, field string) []string

// Compile returns the rules of registered schema s, nil when it has none.
// tags gives its fields' inline tags (nil: none).
func (e *Engine) Compile(s sr.Schema, tags TagFunc) *Set {
	rs := s.SchemaRuleSet
	if e == nil || rs == nil || len(rs.DomainRules) == 0 && len(rs.MigrationRules) == 0 {
		return nil
	}
	set := &Set{e: e, migration: rs.MigrationRules, tags: tags}
	for _, r := range rs.DomainRules {
		if r.Params[encodingRuleParam] != "" {
			set.encoding = append(set.encoding, r)
		} else {
			set.domain = append(set.domain, r)
		}
	}
	if s.SchemaMetadata != nil {
		set.props = s.SchemaMetadata.Properties
		for p, tags := range s.SchemaMetadata.Tags {
			if re, err := wildcard(p); err == nil {
				set.metaTags = append(set.metaTags, metaTag{re, tags})
			}
		}
	}
	return set
}

// fieldTags are a field's inline tags and those the schema metadata gives
// paths matching its full name (Confluent's RuleContext.getTags).
func (s *Set) fieldTags(record *data.Schema, field string) []string {
	var tags []string
	if s.tags != nil {
		tags = append(tags, s.tags(record, field)...)
	}
	if len(s.metaTags) == 0 {
		return tags
	}
	full := fullName(record, field)
	for _, m := range s.metaTags {
		if m.pattern.MatchString(full) {
			tags = append(tags, m.tags...)
		}
	}
	return tags
}

// wildcard is Confluent's WildcardMatcher: ** any characters, * any but
// '.', ? one character but '.'.
func wildcard(pattern string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			if i+1 < len(pattern) && pattern[i+1] == '*' {
				b.WriteString(".*")
				i++
			} else {
				b.WriteString("[^.]*")
			}
		case '?':
			b.WriteString("[^.]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// HasMigrationRules is whether the schema carries migration rules, which
// goconnect does not run.
func (s *Set) HasMigrationRules() bool { return s != nil && len(s.migration) > 0 }

// MigrationError is the error for a record whose reading as another
// version would need migration rules (JSONata, UPGRADE/DOWNGRADE), which
// goconnect does not execute; sets are the reader's and the writer's.
func MigrationError(sets ...*Set) error {
	var rules []sr.SchemaRule
	for _, s := range sets {
		if s != nil {
			rules = append(rules, s.migration...)
		}
	}
	return migrationError(rules)
}

// RefuseMigrations is the error for a read that Confluent's deserializer
// would migrate with rules (srclient.MigrationRules): nil when none of
// them is enabled.
func (e *Engine) RefuseMigrations(rules []sr.SchemaRule) error {
	var enabled []sr.SchemaRule
	for i := range rules {
		if !e.disabled(&rules[i]) {
			enabled = append(enabled, rules[i])
		}
	}
	if len(enabled) == 0 {
		return nil
	}
	return migrationError(enabled)
}

func migrationError(rules []sr.SchemaRule) error {
	names := make([]string, 0, len(rules))
	for _, r := range rules {
		names = append(names, fmt.Sprintf("%s (type %s, mode %s)", r.Name, r.Type, r.Mode))
	}
	return fmt.Errorf("migration rules %s: goconnect does not execute migration rules", strings.Join(names, ", "))
}

// Error is a rule that failed with the ERROR action (or an action goconnect
// cannot run). Its message starts as Confluent's SerializationException's.
type Error struct {
	Rule  string
	Cause error
}

func (e *Error) Error() string {
	if e.Cause == nil {
		return "Rule failed: " + e.Rule
	}
	return "Rule failed: " + e.Rule + ": " + e.Cause.Error()
}

func (e *Error) Unwrap() error { return e.Cause }

// Message is a record as the rules see it.
type Message struct {
	// Value is the Connect value (usually a *data.Struct) and Schema its
	// Connect schema.
	Value  any
	Schema *data.Schema
	// Subject is the record's subject (by the converter's subject name
	// strategy), which names the DEKs of ENCRYPT rules.
	Subject string
	// BytesAsText is JSON Schema's view of bytes fields: Confluent's
	// serializer sees their base64 text, a string, and encrypts that.
	BytesAsText bool
	// Record is the record the message is read from or written to (for
	// the DLQ action); nil when unknown.
	Record *Record
}

// Execute runs the domain rules of s for mode over msg and returns the
// message, changed by transforms.
func (s *Set) Execute(mode Mode, msg Message) (Message, error) {
	if s == nil || msg.Value == nil {
		return msg, nil
	}
	// The DLQ action copies the message as it came (Confluent's original).
	err := s.each(mode, msg, s.domain, func(rules []sr.SchemaRule, i int) error {
		out, err := s.run(mode, msg, rules, i)
		if err == nil {
			msg = out
		}
		return err
	})
	return msg, err
}

// HasEncodingRules is whether the schema carries encodingRules.
func (s *Set) HasEncodingRules() bool { return s != nil && len(s.encoding) > 0 }

// ExecuteEncoding runs the encodingRules of s (Confluent 8's rules on the
// serialized payload: after encoding on write, before decoding on read,
// those of the writer's schema) over payload, the record's bytes after
// the wire format's header (and Protobuf's message indexes).
func (s *Set) ExecuteEncoding(mode Mode, payload []byte, subject string) ([]byte, error) {
	if s == nil || len(s.encoding) == 0 {
		return payload, nil
	}
	err := s.each(mode, Message{Subject: subject}, s.encoding, func(rules []sr.SchemaRule, i int) error {
		out, err := s.runEncoding(mode, &rules[i], payload, subject)
		if err == nil {
			payload = out
		}
		return err
	})
	return payload, err
}

// each runs step for the rules of all that apply to mode (reversed on
// read, as Confluent for symmetry), each with its onSuccess/onFailure
// action.
func (s *Set) each(mode Mode, msg Message, all []sr.SchemaRule, step func(rules []sr.SchemaRule, i int) error) error {
	rules := all
	if mode == Read {
		rules = make([]sr.SchemaRule, len(all))
		for i, r := range all {
			rules[len(rules)-1-i] = r
		}
	}
	for i := range rules {
		r := &rules[i]
		if s.e.disabled(r) {
			continue
		}
		if name, ok := msg.Record.failedRule(); ok && name == r.Name {
			// A copy a DLQ action wrote, read back: the rule that failed it
			// is skipped, as Confluent's skipRule does.
			continue
		}
		switch r.Mode {
		case sr.SchemaRuleModeWriteRead:
		case sr.SchemaRuleModeWrite:
			if mode != Write {
				continue
			}
		case sr.SchemaRuleModeRead:
			if mode != Read {
				continue
			}
		default: // UPGRADE, DOWNGRADE, UPDOWN: migration modes
			continue
		}
		if err := step(rules, i); err != nil {
			if aerr := s.action(r, mode, msg, s.e.onFailure(r), actionError, err); aerr != nil {
				return aerr
			}
			continue
		}
		if aerr := s.action(r, mode, msg, s.e.onSuccess(r), "", nil); aerr != nil {
			return aerr
		}
	}
	return nil
}

// runEncoding executes one encoding rule over the payload. goconnect runs
// Confluent's payload encryption there; other rule types on the bytes are
// refused.
func (s *Set) runEncoding(mode Mode, r *sr.SchemaRule, payload []byte, subject string) ([]byte, error) {
	typ := strings.ToUpper(r.Type)
	if typ != TypeEncryptPayload {
		return payload, &fatal{fmt.Errorf("encoding rule of type %s: of the rules on the serialized payload (encodingRules) goconnect runs %s only", r.Type, TypeEncryptPayload)}
	}
	if s.e.noLoader {
		return payload, fmt.Errorf("Could not find rule executor of type %s", r.Type)
	}
	enc, err := s.newEncryptor(mode, r, Message{Subject: subject}, TypeEncryptPayload)
	if err != nil {
		return payload, err
	}
	out, err := enc.field(data.BytesSchema, payload)
	if err != nil {
		return payload, err
	}
	return out.([]byte), nil
}

// run executes rule i of rules; an error is the rule's failure.
func (s *Set) run(mode Mode, msg Message, rules []sr.SchemaRule, i int) (Message, error) {
	r := &rules[i]
	if why, ok := unavailable[strings.ToUpper(r.Type)]; ok {
		return msg, &fatal{fmt.Errorf("rule type %s (%s) is not supported by goconnect", r.Type, why)}
	}
	typ := strings.ToUpper(r.Type)
	if s.e.noLoader || typ != TypeCEL && typ != TypeCELField && typ != TypeEncrypt {
		return msg, fmt.Errorf("Could not find rule executor of type %s", r.Type)
	}
	if r.Kind != sr.SchemaRuleKindCondition && r.Kind != sr.SchemaRuleKindTransform {
		return msg, fmt.Errorf("unsupported rule kind %s", r.Kind)
	}
	if typ == TypeCEL {
		return s.runMessage(r, msg)
	}
	if r.Kind == sr.SchemaRuleKindTransform && shadowed(mode, rules, i) {
		return msg, nil
	}
	if typ == TypeEncrypt {
		enc, err := s.newEncryptor(mode, r, msg, TypeEncrypt)
		if err != nil {
			return msg, err
		}
		return s.runFields(r, msg, enc.field)
	}
	return s.runFields(r, msg, nil)
}

// shadowed is FieldRuleExecutor's rule that of two field transforms with the
// same tags (and kind, mode, type) only the first in the rule set runs: on
// write the earliest, on read (rules reversed) the latest of the list.
func shadowed(mode Mode, rules []sr.SchemaRule, i int) bool {
	r := &rules[i]
	if len(r.Tags) == 0 {
		return false
	}
	for j := range rules {
		if j == i || (mode == Write) != (j < i) {
			continue
		}
		o := &rules[j]
		if o.Kind == r.Kind && o.Mode == r.Mode && o.Type == r.Type && sameTags(o.Tags, r.Tags) {
			return true
		}
	}
	return false
}

func sameTags(a, b []string) bool {
	set := func(x []string) map[string]bool {
		m := make(map[string]bool, len(x))
		for _, t := range x {
			m[t] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for t := range sa {
		if !sb[t] {
			return false
		}
	}
	return true
}

// fatal is a failure no action can ignore.
type fatal struct{ err error }

func (f *fatal) Error() string { return f.err.Error() }
func (f *fatal) Unwrap() error { return f.err }

// action runs the named action (Confluent's runAction): NONE ignores, ERROR
// fails the record with "Rule failed: <name>", DLQ copies the record to a
// dead letter queue topic and fails it alike; other actions are Java
// classes goconnect does not run, so the record fails naming them.
func (s *Set) action(r *sr.SchemaRule, mode Mode, msg Message, name, def string, cause error) error {
	var f *fatal
	if errors.As(cause, &f) {
		return &Error{Rule: r.Name, Cause: f.err}
	}
	name = actionFor(r, mode, name)
	if name == "" {
		name = def
	}
	switch strings.ToUpper(name) {
	case "", actionNone:
		return nil
	case actionError:
		return &Error{Rule: r.Name, Cause: cause}
	case actionDLQ:
		if s.e.noLoader {
			// DlqAction is found by the service loader too.
			return &Error{Rule: r.Name, Cause: fmt.Errorf("Could not find rule action of type %s", name)}
		}
		return s.sendDLQ(r, mode, msg, cause)
	default:
		return &Error{Rule: r.Name, Cause: fmt.Errorf("Could not find rule action of type %s", name)}
	}
}

// Close releases the DLQ producer, if one was made.
func (e *Engine) Close() {
	if e != nil {
		e.dlq.close()
	}
}

// actionFor picks the WRITE or READ half of a WRITEREAD rule's "A,B" action.
func actionFor(r *sr.SchemaRule, mode Mode, name string) string {
	if r.Mode == sr.SchemaRuleModeWriteRead {
		if w, rd, ok := strings.Cut(name, ","); ok {
			if mode == Read {
				return strings.TrimSpace(rd)
			}
			return strings.TrimSpace(w)
		}
	}
	return strings.TrimSpace(name)
}

// override is a rule.executors.<name>.<suffix> setting, looked up by rule
// name, then _TYPE_, then _default_, as Confluent's getRuleConfig.
func (e *Engine) override(r *sr.SchemaRule, suffix string) (string, bool) {
	for _, n := range []string{r.Name, "_" + r.Type + "_", "_default_"} {
		if v, ok := e.overrides["rule.executors."+n+"."+suffix]; ok {
			return v, true
		}
	}
	return "", false
}

func (e *Engine) onSuccess(r *sr.SchemaRule) string {
	if v, ok := e.override(r, "onSuccess"); ok {
		return v
	}
	return r.OnSuccess
}

func (e *Engine) onFailure(r *sr.SchemaRule) string {
	if v, ok := e.override(r, "onFailure"); ok {
		return v
	}
	return r.OnFailure
}

func (e *Engine) disabled(r *sr.SchemaRule) bool {
	if v, ok := e.override(r, "disabled"); ok {
		b, _ := strconv.ParseBool(strings.TrimSpace(v))
		return b
	}
	return r.Disabled
}

// celEnv is the CEL environment: every variable dynamically typed (the
// message is a map), cel-go's extensions and Confluent's string checks.
func (e *Engine) celEnv() (*cel.Env, error) {
	e.envOnce.Do(func() {
		opts := []cel.EnvOption{
			cel.Variable("message", cel.DynType),
			cel.Variable("value", cel.DynType),
			cel.Variable("fullName", cel.StringType),
			cel.Variable("name", cel.StringType),
			cel.Variable("typeName", cel.StringType),
			cel.Variable("tags", cel.ListType(cel.StringType)),
			cel.Variable("now", cel.TimestampType),
			ext.Strings(), ext.Encoders(), ext.Math(), ext.Lists(), ext.Sets(),
		}
		e.env, e.envErr = cel.NewEnv(append(opts, builtins()...)...)
	})
	return e.env, e.envErr
}

// program compiles (once) a CEL expression.
func (e *Engine) program(expr string) (cel.Program, error) {
	if p, ok := e.programs.Load(expr); ok {
		return p.(cel.Program), nil
	}
	env, err := e.celEnv()
	if err != nil {
		return nil, fmt.Errorf("CEL environment: %w", err)
	}
	ast, iss := env.Compile(expr)
	if iss != nil && iss.Err() != nil {
		return nil, fmt.Errorf("Could not get expression: %w", iss.Err())
	}
	p, err := env.Program(ast)
	if err != nil {
		return nil, fmt.Errorf("Could not get expression: %w", err)
	}
	e.programs.Store(expr, p)
	return p, nil
}

// conditionFailed is Confluent's RuleConditionException message: the
// rule's doc, else its expression, else its name.
func conditionFailed(r *sr.SchemaRule) error {
	switch {
	case r.Doc != "":
		return errors.New(r.Doc)
	case r.Expr != "":
		return fmt.Errorf("Expr failed: '%s'", r.Expr)
	default:
		return fmt.Errorf("Condition failed: '%s'", r.Name)
	}
}

// MigrationSource finds the migration rules between two versions of a
// subject (srclient.Client.MigrationRules).
type MigrationSource interface {
	MigrationRules(ctx context.Context, subject string, writer, reader int) ([]sr.SchemaRule, error)
}

// CheckMigrations refuses reading subject version writerVersion as
// readerVersion when Confluent's deserializer would migrate it with
// enabled rules. When a version is unknown (0), any migration rule of the
// reader's or the writer's schema refuses it.
func (e *Engine) CheckMigrations(ctx context.Context, src MigrationSource, subject string, writerVersion, readerVersion int, reader, writer *Set) error {
	if writerVersion <= 0 || readerVersion <= 0 {
		if reader.HasMigrationRules() || writer.HasMigrationRules() {
			return MigrationError(reader, writer)
		}
		return nil
	}
	rules, err := src.MigrationRules(ctx, subject, writerVersion, readerVersion)
	if err != nil {
		return err
	}
	return e.RefuseMigrations(rules)
}
