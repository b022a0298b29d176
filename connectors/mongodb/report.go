package mongodb

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/goconnect/goconnect/connect/config"
)

// sinkConfigJSON holds MongoDB's sink connector 1.13.0 keys as its Connect
// worker reports them (GET /connector-plugins/…/config), written by
// scripts/java-connect/validatedefs -probe=false against the Java
// reference worker (README, MongoDB sink, to regenerate it).
//
//go:embed sink_config.json
var sinkConfigJSON []byte

// reportedKey is one key of the resource.
type reportedKey struct {
	config.KeyInfo
	RecommendedValues []string `json:"recommended_values"`
	Visible           bool     `json:"visible"`
}

// reportedKeys parses the embedded resource once; it is constant data.
var reportedKeys = sync.OnceValues(func() ([]reportedKey, error) {
	var res struct {
		Keys []reportedKey `json:"keys"`
	}
	if err := json.Unmarshal(sinkConfigJSON, &res); err != nil {
		return nil, fmt.Errorf("sink_config.json: %w", err)
	}
	return res.Keys, nil
})

// ReportedKeys implements connect.ConfigReporter: MongoDB's keys.
func (*SinkConnector) ReportedKeys() []config.KeyInfo {
	keys, err := reportedKeys()
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

// typeOf maps a reported type name to the config type.
var typeOf = map[string]config.Type{"STRING": config.TypeString, "BOOLEAN": config.TypeBoolean, "INT": config.TypeInt,
	"SHORT": config.TypeShort, "LONG": config.TypeLong, "DOUBLE": config.TypeDouble, "LIST": config.TypeList,
	"CLASS": config.TypeClass, "PASSWORD": config.TypePassword}

// ReportConfig implements connect.ConfigReporter as MongoDB's sink, whose
// keys are a Kafka ConfigDef: every key with its parsed value (the default
// when absent; none when it does not parse), checked by goconnect's own
// definition of the key where it has one (else by its type), in Kafka's
// words; then goconnect's checks across keys.
func (c *SinkConnector) ReportConfig(_ context.Context, props map[string]string) []config.ValueInfo {
	keys, err := reportedKeys()
	if err != nil {
		panic(err)
	}
	own := sinkDef()
	out := make([]config.ValueInfo, 0, len(keys))
	at := map[string]int{}
	for _, k := range keys {
		vi := config.ValueInfo{Name: k.Name, RecommendedValues: slices.Clone(k.RecommendedValues), Errors: []string{}, Visible: k.Visible}
		if vi.RecommendedValues == nil {
			vi.RecommendedValues = []string{}
		}
		key, ok := own.Key(k.Name)
		if !ok {
			key = config.Key{Name: k.Name, Type: typeOf[k.Type], Required: k.Required, NullDefault: k.DefaultValue == nil}
		}
		raw, present := props[k.Name]
		if _, err := config.NewDef().Define(key).Parse(props); err != nil {
			var ce *config.Error
			if errors.As(err, &ce) && ce.Value == "" && !ce.Given {
				vi.Errors = append(vi.Errors, ce.Message)
			} else {
				vi.Errors = append(vi.Errors, err.Error())
			}
		}
		if _, perr := config.ParseValue(key.Type, raw); present && perr != nil {
			// Kafka then runs the key's validator on null.
			if nerr := key.NullError(); nerr != nil {
				vi.Errors = append(vi.Errors, nerr.Error())
			}
		}
		switch {
		case !present:
			vi.Value = k.DefaultValue
		case typeOf[k.Type] == config.TypePassword:
			h := config.Hidden
			vi.Value = &h
		default:
			if v, err := config.ParseValue(typeOf[k.Type], raw); err == nil {
				s := renderKafka(v, raw)
				vi.Value = &s
			}
		}
		at[k.Name] = len(out)
		out = append(out, vi)
	}
	for name, msgs := range c.Validate(props) {
		i, ok := at[name]
		if !ok || len(out[i].Errors) > 0 {
			continue
		}
		for _, m := range msgs {
			if strings.Contains(m, "exactly one of topics or topics.regex") && strings.TrimSpace(props[keyTopics]) == "" {
				continue // MongoDB's sink does not check this; Connect's check is replaced by its keys
			}
			out[i].Errors = append(out[i].Errors, m)
		}
	}
	return out
}

// renderKafka renders a parsed value as Connect's ConfigValueInfo does.
func renderKafka(v any, raw string) string {
	switch x := v.(type) {
	case []string:
		return strings.Join(x, ",")
	case string:
		return x
	case bool:
		return fmt.Sprint(x)
	}
	return strings.TrimSpace(raw)
}
