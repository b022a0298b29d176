package mysql

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
)

// debeziumConfigJSON holds Debezium 2.7.3's MySqlConnector keys as its
// Connect worker reports them, with each key's validators, written by
// scripts/java-connect/validatedefs against the Java reference worker
// (see the README's "Validation answers" section to regenerate it).
//
//go:embed debezium_config.json
var debeziumConfigJSON []byte

// debeziumKey is one key of the resource.
type debeziumKey struct {
	config.KeyInfo
	RecommendedValues []string `json:"recommended_values"`
	Visible           bool     `json:"visible"`
	// Validators name Debezium's checks of the key, in the order it runs
	// them (see check).
	Validators []string `json:"validators"`
}

// debeziumKeys parses the embedded resource once; it is constant data.
var debeziumKeys = sync.OnceValues(func() ([]debeziumKey, error) {
	var res struct {
		Keys []debeziumKey `json:"keys"`
	}
	if err := json.Unmarshal(debeziumConfigJSON, &res); err != nil {
		return nil, fmt.Errorf("debezium_config.json: %w", err)
	}
	for _, k := range res.Keys {
		for _, v := range k.Validators {
			if _, ok := validators[v]; !ok {
				return nil, fmt.Errorf("debezium_config.json: %s: unknown validator %q", k.Name, v)
			}
		}
	}
	return res.Keys, nil
})

// ReportedKeys implements connect.ConfigReporter: Debezium's keys.
func (*Connector) ReportedKeys() []config.KeyInfo {
	keys, err := debeziumKeys()
	if err != nil {
		panic(err) // the embedded resource is checked by the unit tests
	}
	out := make([]config.KeyInfo, len(keys))
	for i, k := range keys {
		out[i] = k.KeyInfo
		out[i].Dependents = slices.Clone(k.Dependents)
	}
	return out
}

// connectionTestTimeout bounds Debezium's connection test in validation.
const connectionTestTimeout = 10 * time.Second

// ReportConfig implements connect.ConfigReporter as Debezium's validate:
// every key checked by its own validators, in Debezium's words ("The 'k'
// value is invalid: …") and with no value reported; then, as goconnect
// refuses some settings Debezium accepts (README, "MySQL CDC source"),
// goconnect's own check of the config, whose first problem is added to
// its key; then, when nothing is wrong, a connection test whose failure
// is reported on database.hostname, as Debezium does.
func (*Connector) ReportConfig(ctx context.Context, props map[string]string) []config.ValueInfo {
	keys, err := debeziumKeys()
	if err != nil {
		panic(err)
	}
	out := make([]config.ValueInfo, 0, len(keys)+1)
	at := map[string]int{}
	failed := false
	for _, k := range keys {
		vi := config.ValueInfo{Name: k.Name, RecommendedValues: slices.Clone(k.RecommendedValues), Errors: []string{}, Visible: k.Visible}
		if vi.RecommendedValues == nil {
			vi.RecommendedValues = []string{}
		}
		for _, name := range k.Validators {
			for _, msg := range validators[name](k, props) {
				vi.Errors = append(vi.Errors, fmt.Sprintf("The '%s' value is invalid: %s", k.Name, msg))
			}
		}
		if k.Name == keyTimePrecision {
			if v := debeziumValue(k, props); v != nil && strings.EqualFold(strings.TrimSpace(*v), "adaptive") {
				vi.Errors = append(vi.Errors, "The 'time.precision.mode' value is invalid: The 'adaptive' time.precision.mode is no longer supported")
			}
		}
		failed = failed || len(vi.Errors) > 0
		at[k.Name] = len(out)
		out = append(out, vi)
	}
	if failed {
		return out
	}
	st, err := parse(props)
	if err != nil {
		var ce *config.Error
		key, msg := "", err.Error()
		if errors.As(err, &ce) {
			key, msg = ce.Key, ce.Message
		}
		if i, ok := at[key]; ok {
			out[i].Errors = append(out[i].Errors, msg)
		} else {
			out = append(out, config.ValueInfo{Name: key, RecommendedValues: []string{}, Errors: []string{msg}, Visible: true})
		}
		return out
	}
	if !connect.ExternalChecksAllowed(ctx) {
		return out
	}
	if err := testConnection(ctx, st); err != nil {
		i := at[keyHost]
		out[i].Errors = append(out[i].Errors, "Unable to connect: "+err.Error())
	}
	return out
}

// testConnection is Debezium's connection test: connect, SELECT version().
// The error is the server's own message when it sent one.
func testConnection(ctx context.Context, st *settings) error {
	ctx, cancel := context.WithTimeout(ctx, connectionTestTimeout)
	defer cancel()
	if st.connectTimeout > connectionTestTimeout {
		st.connectTimeout = connectionTestTimeout
	}
	c, err := dial(ctx, st)
	if err == nil {
		_, err = c.Execute("SELECT version()")
		c.Close()
	}
	var me *gomysql.MyError
	if errors.As(err, &me) {
		return errors.New(me.Message)
	}
	var oe *net.OpError
	var de *net.DNSError
	if errors.As(err, &oe) || errors.As(err, &de) {
		// No server reached: MySQL's JDBC driver's words, as Debezium shows them.
		return errors.New(jdbcLinkFailure)
	}
	return err
}

// jdbcLinkFailure is the MySQL JDBC driver's message when no server answers.
const jdbcLinkFailure = "Communications link failure\n\nThe last packet sent successfully to the server was 0 milliseconds ago. " +
	"The driver has not received any packets from the server."

// debeziumValue is Debezium's Configuration.getString(field): the value
// given, else the key's default (nil when it has none).
func debeziumValue(k debeziumKey, props map[string]string) *string {
	if v, ok := props[k.Name]; ok {
		return &v
	}
	return k.DefaultValue
}

// validator is one of Debezium's field checks; it returns its messages.
type validator func(k debeziumKey, props map[string]string) []string

// validators are Debezium's checks by the names the resource uses.
var validators = map[string]validator{
	"required": func(k debeziumKey, props map[string]string) []string {
		if v := debeziumValue(k, props); v != nil && strings.TrimSpace(*v) != "" {
			return nil
		}
		return []string{"A value is required"}
	},
	"int":             numeric(32, nil, "An integer is expected"),
	"positiveInt":     numeric(32, positive, "A positive, non-zero integer value is expected"),
	"nonNegativeInt":  numeric(32, nonNegative, "An non-negative integer is expected"),
	"long":            numeric(64, nil, "A long value is expected"),
	"positiveLong":    numeric(64, positive, "A positive, non-zero long value is expected"),
	"nonNegativeLong": numeric(64, nonNegative, "A non-negative long value is expected"),
	"short":           numeric(16, nil, "A short value is expected"),
	"double": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil {
			return nil
		}
		if _, err := strconv.ParseFloat(strings.TrimSpace(*v), 64); err != nil {
			return []string{"A double value is expected"}
		}
		return nil
	},
	"boolean": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil || strings.EqualFold(strings.TrimSpace(*v), "true") || strings.EqualFold(strings.TrimSpace(*v), "false") {
			return nil
		}
		return []string{"Either 'true' or 'false' is expected"}
	},
	"className": func(k debeziumKey, props map[string]string) []string {
		if v := debeziumValue(k, props); v != nil && !javaName(*v) {
			return []string{"A Java class name is expected"}
		}
		return nil
	},
	"enum": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil || !slices.Contains(k.RecommendedValues, strings.ToLower(strings.TrimSpace(*v))) {
			return []string{"Value must be one of " + strings.Join(k.RecommendedValues, ", ")}
		}
		return nil
	},
	"lockingMode": func(k debeziumKey, props map[string]string) []string {
		v, ok := props[k.Name]
		if ok && !slices.Contains(k.RecommendedValues, strings.ToLower(strings.TrimSpace(v))) {
			return []string{"Must be a valid snapshot.locking.mode value"}
		}
		return nil
	},
	"regexList": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil {
			return nil
		}
		for _, p := range strings.Split(*v, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			if _, err := regexp.Compile(p); err != nil {
				return []string{"A comma-separated list of valid regular expressions is expected, but " + javaPatternError(p, err)}
			}
		}
		return nil
	},
	"map": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil || strings.TrimSpace(*v) == "" {
			return nil
		}
		for _, pair := range strings.Split(*v, ",") {
			if len(javaSplit(strings.TrimSpace(pair), "=")) != 2 {
				return []string{"A equivalent-separated map of valid key/value pairs is expected, for example: k1=v1,k2=v2"}
			}
		}
		return nil
	},
	"hostname": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil || strings.TrimSpace(*v) == "" || debeziumNameRe.MatchString(*v) {
			return nil
		}
		return []string{*v + " has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)"}
	},
	"topicName": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil || debeziumNameRe.MatchString(*v) {
			return nil
		}
		return []string{*v + " has invalid format (only the underscore, hyphen, dot and alphanumeric characters are allowed)"}
	},
	"queuePositive": func(k debeziumKey, props map[string]string) []string {
		if queueSize(k, props) <= 0 {
			return []string{"A positive queue size is required"}
		}
		return nil
	},
	"queueAboveBatch": func(k debeziumKey, props map[string]string) []string {
		batch := debeziumKey{KeyInfo: config.KeyInfo{Name: keyMaxBatch, DefaultValue: ptr("2048")}}
		if queueSize(k, props) <= queueSize(batch, props) {
			return []string{"Must be larger than the maximum batch size"}
		}
		return nil
	},
	"skippedOperations": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil || *v == "none" {
			return nil
		}
		none, ops := false, false
		for _, op := range strings.Split(*v, ",") {
			switch strings.TrimSpace(op) {
			case "none":
				none = true
			case "r", "c", "u", "d", "t":
				ops = true
			default:
				return []string{"Invalid operation"}
			}
		}
		if none && ops {
			return []string{"'none' cannot be specified with other skipped operation types"}
		}
		return nil
	},
	"keyColumns": func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil {
			return nil
		}
		var out []string
		if *v == "" {
			out = append(out, "Must not be empty")
		}
		entries := javaSplit(*v, ";")
		if len(entries) == 0 {
			entries = []string{""}
		}
		for _, e := range entries {
			if !msgKeyEntry.MatchString(e) {
				out = append(out, e+" has an invalid format (expecting '"+msgKeyEntry.String()+"')")
			}
		}
		return out
	},
}

// debeziumNameRe is Debezium's TOPIC_NAME_PATTERN and HOSTNAME_PATTERN.
var debeziumNameRe = regexp.MustCompile(`^[a-zA-Z0-9_.\-]+$`)

func ptr(s string) *string { return &s }

func positive(n int64) bool    { return n > 0 }
func nonNegative(n int64) bool { return n >= 0 }

// numeric checks a value as Java's Integer/Long/Short.parseLong would
// parse it (no spaces), and optionally its sign.
func numeric(bits int, ok func(int64) bool, msg string) validator {
	return func(k debeziumKey, props map[string]string) []string {
		v := debeziumValue(k, props)
		if v == nil {
			return nil
		}
		n, err := strconv.ParseInt(*v, 10, bits)
		if err != nil || (ok != nil && !ok(n)) {
			return []string{msg}
		}
		return nil
	}
}

// queueSize is Configuration.getInteger: the value, or the default when
// the value is not an integer.
func queueSize(k debeziumKey, props map[string]string) int64 {
	if v, ok := props[k.Name]; ok {
		if n, err := strconv.ParseInt(v, 10, 32); err == nil {
			return n
		}
	}
	if k.DefaultValue != nil {
		n, _ := strconv.ParseInt(*k.DefaultValue, 10, 32)
		return n
	}
	return 0
}

// javaSplit is Java's String.split on a literal: trailing empty strings
// are dropped.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

// javaKeywords are the words SourceVersion.isName refuses.
var javaKeywords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`abstract assert boolean break byte case catch char class const continue default do double else enum
		extends final finally float for goto if implements import instanceof int interface long native new package private protected
		public return short static strictfp super switch synchronized this throw throws transient try void volatile while true false null _`) {
		javaKeywords[w] = true
	}
}

// javaName is SourceVersion.isName: dot-separated Java identifiers, none
// a keyword.
func javaName(s string) bool {
	for _, part := range strings.Split(s, ".") {
		if part == "" || javaKeywords[part] {
			return false
		}
		for i, r := range part {
			if !(unicode.IsLetter(r) || r == '_' || r == '$' || (i > 0 && unicode.IsDigit(r))) {
				return false
			}
		}
	}
	return true
}

// javaPatternError renders the commonest regex mistakes as Java's
// PatternSyntaxException message; others keep Go's description.
func javaPatternError(p string, err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "missing closing )"):
		return fmt.Sprintf("Unclosed group near index %d\n%s", len(p), p)
	case strings.Contains(msg, "missing argument to repetition operator") && strings.ContainsRune("*+?", rune(p[0])):
		return fmt.Sprintf("Dangling meta character '%c' near index 0\n%s\n^", p[0], p)
	}
	return msg
}
