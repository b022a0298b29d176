package connectorconfig

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Prefixes of the per-connector Kafka client overrides.
const (
	ProducerOverridePrefix = "producer.override."
	ConsumerOverridePrefix = "consumer.override."
	AdminOverridePrefix    = "admin.override."
)

// OverridePolicy is the worker's connector.client.config.override.policy:
// which client settings a connector may override with producer.override.*,
// consumer.override.* and admin.override.* (Connect's
// ConnectorClientConfigOverridePolicy plugins All, None and Principal).
type OverridePolicy struct{ name string }

// DefaultOverridePolicy is Connect's default since 3.0 (KIP-722): All.
var DefaultOverridePolicy = OverridePolicy{name: "All"}

const policyPackage = "org.apache.kafka.connect.connector.policy."

// ParseOverridePolicy reads the policy by alias (All, None, Principal),
// simple or full class name, as Connect resolves plugin names. Empty is
// the default.
func ParseOverridePolicy(s string) (OverridePolicy, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultOverridePolicy, nil
	}
	for _, n := range []string{"All", "None", "Principal"} {
		simple := n + "ConnectorClientConfigOverridePolicy"
		if s == n || s == simple || s == policyPackage+simple {
			return OverridePolicy{name: n}, nil
		}
	}
	return OverridePolicy{}, fmt.Errorf("unknown policy %s (expected All, None, Principal or their %s…ConnectorClientConfigOverridePolicy classes)", s, policyPackage)
}

// Name is the policy's name as Connect's messages show it.
func (p OverridePolicy) Name() string {
	if p.name == "" {
		return DefaultOverridePolicy.name
	}
	return p.name
}

// principalSettings are what the Principal policy lets a connector set.
var principalSettings = map[string]bool{"sasl.jaas.config": true, "sasl.mechanism": true, "security.protocol": true}

func (p OverridePolicy) allows(key string) bool {
	switch p.Name() {
	case "All":
		return true
	case "Principal":
		return principalSettings[key]
	}
	return false
}

// Check returns one config error per override the policy refuses, keyed
// by the connector's (prefixed) key, with Connect's message naming the
// client setting; nil when all are allowed.
func (p OverridePolicy) Check(props map[string]string) error {
	var errs []error
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, prefix := range []string{ProducerOverridePrefix, ConsumerOverridePrefix, AdminOverridePrefix} {
			name, ok := strings.CutPrefix(k, prefix)
			if !ok || name == "" || p.allows(name) {
				continue
			}
			errs = append(errs, &config.Error{Key: k, Message: "The '" + p.Name() + "' policy does not allow '" + name +
				"' to be overridden in the connector configuration."})
		}
	}
	return errors.Join(errs...)
}
