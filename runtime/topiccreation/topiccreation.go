// Package topiccreation holds a source connector's topic creation settings
// (KIP-158, Connect's TopicCreationConfig, TopicCreationGroup and
// TopicCreation) and creates the topics a task is about to write to.
//
// The rules, as Connect's: creation is active when the worker's
// topic.creation.enable is true (its default) and the connector has any
// topic.creation.* key; then topic.creation.default.replication.factor and
// .partitions are required. topic.creation.groups names further groups,
// each with include/exclude regex lists matched against the whole topic
// name (exclusion wins) and its own replication.factor, partitions
// (defaulting to the default group's) and any other topic config. The
// first listed group that matches a topic gives its settings, else the
// default group does; the default group's include/exclude are ignored.
package topiccreation

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Keys and names of KIP-158.
const (
	Prefix       = "topic.creation."
	GroupsKey    = Prefix + "groups"
	DefaultGroup = "default"

	include           = "include"
	exclude           = "exclude"
	replicationFactor = "replication.factor"
	partitions        = "partitions"

	// GroupName is the validate endpoint's group of topic.creation.groups.
	GroupName = "Topic Creation"
)

// Used tells whether a connector config has any topic creation key, which
// (with the worker's topic.creation.enable) turns creation on.
func Used(props map[string]string) bool {
	for k := range props {
		if strings.HasPrefix(k, Prefix) {
			return true
		}
	}
	return false
}

// Group is one topic creation group's settings. Partitions and
// ReplicationFactor are -1 for the broker's default.
type Group struct {
	Name              string
	Partitions        int32
	ReplicationFactor int16
	// Configs are the group's other keys: topic configs passed to the
	// broker as they are.
	Configs  map[string]string
	include  *regexp.Regexp
	exclude  *regexp.Regexp
	patterns [2][]string
}

// Matches tells whether the group applies to topic: a whole-name match of
// an include pattern and of no exclude pattern.
func (g *Group) Matches(topic string) bool {
	return !g.exclude.MatchString(topic) && g.include.MatchString(topic)
}

// Groups are a connector's topic creation groups.
type Groups struct {
	listed []*Group
	def    *Group
}

// For returns the first listed group matching topic, else the default one.
func (gs *Groups) For(topic string) *Group {
	for _, g := range gs.listed {
		if g.Matches(topic) {
			return g
		}
	}
	return gs.def
}

// GroupsDef is topic.creation.groups, which every source connector has.
func GroupsDef() config.Key {
	return config.Key{Name: GroupsKey, Type: config.TypeList, Default: "", Validator: uniqueList{}, Importance: config.Low,
		Doc: "Groups of configurations for topics created by source connectors", Group: GroupName, Order: 1,
		Width: config.WidthLong, DisplayName: "Topic Creation Groups"}
}

// Parse reads a connector's topic creation settings. It returns nil when
// the config has no topic.creation.* key (creation is then off), and an
// error joining one *config.Error per bad key otherwise.
func Parse(props map[string]string) (*Groups, error) {
	if !Used(props) {
		return nil, nil
	}
	head := config.NewDef()
	head.Define(GroupsDef())
	head.Define(config.Key{Name: Prefix + DefaultGroup + "." + replicationFactor, Type: config.TypeShort, Required: true,
		Validator: rfValidator{}, Importance: config.Low})
	head.Define(config.Key{Name: Prefix + DefaultGroup + "." + partitions, Type: config.TypeInt, Required: true,
		Validator: partitionsValidator{}, Importance: config.Low})
	hv, err := head.Parse(props)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	def := &Group{Name: DefaultGroup, Partitions: -1, ReplicationFactor: -1, include: wholeMatch([]string{".*"}), exclude: wholeMatch(nil),
		patterns: [2][]string{{".*"}, nil}}
	if n, ok := hv.Get(Prefix + DefaultGroup + "." + partitions).(int32); ok {
		def.Partitions = n
	}
	if n, ok := hv.Get(Prefix + DefaultGroup + "." + replicationFactor).(int16); ok {
		def.ReplicationFactor = n
	}
	def.Configs = otherConfigs(props, DefaultGroup)
	gs := &Groups{def: def}
	// Groups listed twice are reported above and still checked once each.
	listed, _ := config.ParseValue(config.TypeList, props[GroupsKey])
	var names []string
	for _, n := range listed.([]string) {
		// "default" always exists; listing it changes nothing (Connect warns).
		if n != DefaultGroup && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for _, name := range names {
		p := Prefix + name + "."
		d := config.NewDef()
		d.Define(config.Key{Name: p + include, Type: config.TypeList, Default: "", Validator: regexList{}, Importance: config.Low})
		d.Define(config.Key{Name: p + exclude, Type: config.TypeList, Default: "", Validator: regexList{}, Importance: config.Low})
		d.Define(config.Key{Name: p + replicationFactor, Type: config.TypeShort, Default: strconv.Itoa(int(def.ReplicationFactor)),
			Validator: rfValidator{}, Importance: config.Low})
		d.Define(config.Key{Name: p + partitions, Type: config.TypeInt, Default: strconv.Itoa(int(def.Partitions)),
			Validator: partitionsValidator{}, Importance: config.Low})
		v, err := d.Parse(props)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		g := &Group{Name: name, Partitions: v.Int(p + partitions), ReplicationFactor: v.Get(p + replicationFactor).(int16),
			Configs: otherConfigs(props, name), include: wholeMatch(v.List(p + include)), exclude: wholeMatch(v.List(p + exclude)),
			patterns: [2][]string{v.List(p + include), v.List(p + exclude)}}
		gs.listed = append(gs.listed, g)
	}
	if len(errs) > 0 {
		return nil, errors.Join(flatten(errs)...)
	}
	return gs, nil
}

// flatten unnests joined errors, so callers see one error per key.
func flatten(errs []error) []error {
	var out []error
	for _, e := range errs {
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			out = append(out, flatten(j.Unwrap())...)
		} else {
			out = append(out, e)
		}
	}
	return out
}

// otherConfigs are a group's keys other than its four own ones.
func otherConfigs(props map[string]string, group string) map[string]string {
	p := Prefix + group + "."
	out := map[string]string{}
	for k, v := range props {
		rest, ok := strings.CutPrefix(k, p)
		if !ok || rest == include || rest == exclude || rest == replicationFactor || rest == partitions {
			continue
		}
		out[rest] = v
	}
	return out
}

// wholeMatch joins patterns with | as Connect does and anchors them, as
// Java's Matcher.matches() needs the whole name to match. No pattern
// matches only the empty name, as Java's empty pattern does.
func wholeMatch(patterns []string) *regexp.Regexp {
	return regexp.MustCompile("^(?:" + strings.Join(patterns, "|") + ")$")
}

type rfValidator struct{}

func (rfValidator) Validate(_ string, v any) error {
	if n, _ := v.(int16); n != -1 && n < 1 {
		return fmt.Errorf("Replication factor must be positive and not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default")
	}
	return nil
}

func (rfValidator) String() string {
	return "Positive number not larger than the number of brokers in the Kafka cluster, or -1 to use the broker's default"
}

type partitionsValidator struct{}

func (partitionsValidator) Validate(_ string, v any) error {
	if n, _ := v.(int32); n != -1 && n < 1 {
		return fmt.Errorf("Number of partitions must be positive, or -1 to use the broker's default")
	}
	return nil
}

func (partitionsValidator) String() string {
	return "Positive number, or -1 to use the broker's default"
}

type regexList struct{}

func (regexList) Validate(_ string, v any) error {
	for _, p := range v.([]string) {
		if _, err := regexp.Compile(p); err != nil {
			return fmt.Errorf("Syntax error in regular expression: %v", err)
		}
	}
	return nil
}

func (regexList) String() string { return "list of regular expressions" }

type uniqueList struct{}

func (uniqueList) Validate(_ string, v any) error {
	l := v.([]string)
	seen := make(map[string]bool, len(l))
	for _, s := range l {
		if seen[s] {
			return fmt.Errorf("Duplicate alias provided.")
		}
		seen[s] = true
	}
	return nil
}

func (uniqueList) String() string { return "unique topic creation groups" }

// Topic is a topic to create: what Connect's NewTopic holds.
type Topic struct {
	Name              string
	Partitions        int32
	ReplicationFactor int16
	Configs           map[string]string
}

// NewTopic is the topic this group creates for name.
func (g *Group) NewTopic(name string) Topic {
	return Topic{Name: name, Partitions: g.Partitions, ReplicationFactor: g.ReplicationFactor, Configs: g.Configs}
}

// String renders the topic as Connect's NewTopic does in its messages.
func (t Topic) String() string {
	num := func(n int64) string {
		if n == -1 {
			return "default"
		}
		return strconv.FormatInt(n, 10)
	}
	keys := make([]string, 0, len(t.Configs))
	for k := range t.Configs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	cfg := make([]string, len(keys))
	for i, k := range keys {
		cfg[i] = k + "=" + t.Configs[k]
	}
	return fmt.Sprintf("(name=%s, numPartitions=%s, replicationFactor=%s, replicasAssignments=null, configs={%s})",
		t.Name, num(int64(t.Partitions)), num(int64(t.ReplicationFactor)), strings.Join(cfg, ", "))
}

// String describes the group for logs, as Connect's TopicCreationGroup.
func (g *Group) String() string {
	return fmt.Sprintf("TopicCreationGroup{name='%s', inclusionPattern=%s, exclusionPattern=%s, numPartitions=%d, replicationFactor=%d, otherConfigs=%v}",
		g.Name, strings.Join(g.patterns[0], "|"), strings.Join(g.patterns[1], "|"), g.Partitions, g.ReplicationFactor, g.Configs)
}
