package topiccreation

import (
	"maps"
	"testing"
)

func TestGroupsChooseFirstMatchDefaultLast(t *testing.T) {
	if gs, err := Parse(map[string]string{"name": "x", "topic": "t"}); gs != nil || err != nil {
		t.Fatalf("no topic.creation.* key: %v %v, want creation off", gs, err)
	}
	gs, err := Parse(map[string]string{
		"topic.creation.groups":                     "default, a, b",
		"topic.creation.default.replication.factor": "2",
		"topic.creation.default.partitions":         "-1",
		"topic.creation.default.include":            "nothing", // ignored for the default group
		"topic.creation.default.compression.type":   "zstd",
		"topic.creation.a.include":                  "db\\..*",
		"topic.creation.a.exclude":                  "db\\.tmp.*,db\\.x",
		"topic.creation.a.partitions":               "6",
		"topic.creation.b.include":                  "db\\.tmp.*",
		"topic.creation.b.replication.factor":       "1",
		"topic.creation.b.cleanup.policy":           "compact",
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		topic, group string
		parts        int32
		rf           int16
		cfg          map[string]string
	}{
		{"db.users", "a", 6, 2, map[string]string{}},
		{"db.tmp1", "b", -1, 1, map[string]string{"cleanup.policy": "compact"}},
		{"db.x", "default", -1, 2, map[string]string{"compression.type": "zstd"}},
		{"xdb.users", "default", -1, 2, map[string]string{"compression.type": "zstd"}}, // whole-name match only
		{"nothing", "default", -1, 2, map[string]string{"compression.type": "zstd"}},
	} {
		g := gs.For(c.topic)
		nt := g.NewTopic(c.topic)
		if g.Name != c.group || nt.Partitions != c.parts || nt.ReplicationFactor != c.rf || !maps.Equal(nt.Configs, c.cfg) {
			t.Errorf("%s: group %s %+v; want %s %d %d %v", c.topic, g.Name, nt, c.group, c.parts, c.rf, c.cfg)
		}
	}
	if got, want := gs.For("db.x").NewTopic("db.x").String(),
		"(name=db.x, numPartitions=default, replicationFactor=2, replicasAssignments=null, configs={compression.type=zstd})"; got != want {
		t.Errorf("NewTopic string %s, want %s", got, want)
	}
}

func TestGroupWithoutIncludeMatchesNothing(t *testing.T) {
	gs, err := Parse(map[string]string{"topic.creation.groups": "g", "topic.creation.default.replication.factor": "1",
		"topic.creation.default.partitions": "1", "topic.creation.g.partitions": "9"})
	if err != nil {
		t.Fatal(err)
	}
	if g := gs.For("anything"); g.Name != DefaultGroup {
		t.Errorf("a group without include took %q", "anything")
	}
}
