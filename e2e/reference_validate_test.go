//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The validation answers (PUT /connector-plugins/{p}/config/validate) and
// plugin configs (GET /connector-plugins/{p}/config) of goconnect compared
// with the Java reference worker's, entry by entry: the same requests to
// both, every field of every definition and value, the answer's name,
// error_count, groups and entry order.
//
// The reference is Connect 3.8.1 (scripts/services.sh up java-connect);
// goconnect claims Connect 4.1, whose Connect-level keys differ from
// 3.8.1's in the ways validate41Changes lists (accepted on that leg only).
// When GOCONNECT_E2E_JAVA41_CONNECT (default http://127.0.0.1:18084)
// answers as Connect 4.1 with the same Debezium 2.7.3.Final and MongoDB
// sink 1.13.0, every case is compared against it too, without those.

var java41ConnectURL = envOr("GOCONNECT_E2E_JAVA41_CONNECT", "http://127.0.0.1:18084")

// validateVolatile is what is normalised before comparing.
var validateVolatile = []struct{ what, why string }{
	{"value.recommended_values of key.converter, value.converter, header.converter, transforms.<alias>.type and predicates.<alias>.type: each worker's own converter (header converter, transformation, predicate) plugins, sorted, become <installed>",
		"the plugins installed on each worker (checked: a list that is not that worker's own listing stays as is)"},
	{"the worker's Kafka version (its GET / version) in the definition.default_value, value.value and value.recommended_values of *.plugin.version keys becomes <kafka version>",
		"the Kafka release each worker's own converters report (goconnect 4.1.0, the reference 3.8.1 or 4.1.1)"},
}

// validate41Changes are Connect 4.1's changes to the Connect-level keys
// against Connect 3.8.1 (apache/kafka 4.1.1 ConnectorConfig,
// AbstractHerder.validateConnectorConfig; seen on a Connect 4.1.1 worker).
var validate41Changes = []referenceKnown{
	{regexp.MustCompile(`/framework validate configs\[(connector|key\.converter|value\.converter|header\.converter)\.plugin\.version\]: java=<absent>`),
		"KIP-891 (Connect 4.1): the connector's and converters' plugin.version keys"},
	{regexp.MustCompile(`/framework (validate|config) configs\[(tasks\.max|tasks\.max\.enforce|key\.converter|value\.converter|header\.converter|transforms|predicates|config\.action\.reload)\](\.definition)?\.order: `),
		"Connect 4.1: the Common group's order shifted by the plugin.version keys"},
	{regexp.MustCompile(`/framework (validate|config) configs\[(connector|key\.converter|value\.converter|header\.converter)\.plugin\.version\]: java=<absent>`),
		"KIP-891 (Connect 4.1): the plugin.version keys"},
	{regexp.MustCompile(`/framework validate configs\[(key|value|header)\.converter\]\.(definition\.default_value|value\.value|value\.recommended_values): java=(null|\[\])`),
		"Connect 4.1 reports the worker's converter as the default and the installed converters as recommended values; 3.8.1 null and []"},
	{regexp.MustCompile(`/framework validate configs\[(transforms|predicates)\.[^.\]]+\.plugin\.version\]: java=<absent>`),
		"KIP-891 (Connect 4.1): each transform's and predicate's plugin.version key"},
	{regexp.MustCompile(`/framework validate configs\[(transforms|predicates)\.[^\]]+\]\.definition\.order: `),
		"Connect 4.1: an alias's plugin keys are numbered after its plugin.version (from 2; 3.8.1 from 1)"},
	{regexp.MustCompile(` (validate|config) \{entry order\}: `),
		"follows from the plugin.version keys (the order of the other entries is compared per entry)"},
}

// validateCase is one request sent to both workers.
type validateCase struct {
	name   string
	plugin string
	config map[string]string // "" values are sent as empty strings; see del
	del    []string          // keys of the base config left out
	// base is the valid config the case starts from (nil: only config).
	base     map[string]string
	accepted []referenceKnown
	pending  []referenceKnown
	maybe    []referenceKnown // pending, not required (one leg only)
	// otherVersion are the differences a reference running another
	// version of the connector's plugins shows (its SMTs), compared on
	// Connect's part only.
	otherVersion []referenceKnown
	// javaErrors is the error_count the reference must answer: the case
	// covers what it claims.
	javaErrors int
}

func validateMySQLBase() map[string]string {
	host, port, _ := strings.Cut(mariaDBAddr, ":")
	return map[string]string{
		"connector.class": "io.debezium.connector.mysql.MySqlConnector", "name": "validate-mysql",
		"database.hostname": host, "database.port": port, "database.user": "debezium", "database.password": "dbz",
		"database.server.id": "4321", "topic.prefix": "validate",
		"schema.history.internal.kafka.topic": "dbhistory.validate", "schema.history.internal.kafka.bootstrap.servers": kafkaAddr,
	}
}

func validateMongoBase() map[string]string {
	return map[string]string{
		"connector.class": "com.mongodb.kafka.connect.MongoSinkConnector", "name": "validate-mongo", "topics": "validate",
		"connection.uri": mongoURI, "database": "validate",
	}
}

// mongoSinkPending: goconnect's MongoDB sink reports another version.
var mongoSinkPending = []referenceKnown{
	{regexp.MustCompile(`^mongo-\w+ validate plugin version: java=1\.13\.0 goconnect=1\.16\.0-goconnect`), "goconnect's MongoDB sink reports 1.16.0 (the records it writes were compared with 1.13.0, e2e/reference_mongo_test.go)"},
}

// mongoSinkMaybe: on the Connect 4.1 leg only (3.8.1 has no plugin.version keys).
var mongoSinkMaybe = []referenceKnown{
	{regexp.MustCompile(`^(mongo-\w+|config-mongo)/framework (validate|config) configs\[connector\.plugin\.version\]`), "the version above"},
}

// fileVersionPending: goconnect's FileStream connectors report their own
// version, not Kafka's.
var fileVersionPending = []referenceKnown{
	{regexp.MustCompile(`^file-[a-z]+-[a-z]+ validate plugin version: java=4\.1\.1 goconnect=4\.1\.0-goconnect`), "goconnect's FileStream connectors report 4.1.0-goconnect, Connect's its Kafka version (the listing GET /connector-plugins shows the same)"},
	{regexp.MustCompile(`^file-[a-z]+-[a-z]+/framework validate configs\[connector\.plugin\.version\]\.(definition\.default_value|value\.value|value\.recommended_values\[0\]): java="4\.1\.1" goconnect="4\.1\.0-goconnect"`), "the version above"},
}

var validateCases = []validateCase{
	{name: "mysql-valid", plugin: "MySqlConnector", base: validateMySQLBase()},
	{name: "mysql-empty", plugin: "MySqlConnector", config: map[string]string{"connector.class": "io.debezium.connector.mysql.MySqlConnector"}, javaErrors: 5},
	{name: "mysql-missing", plugin: "MySqlConnector", base: validateMySQLBase(), del: []string{"database.hostname", "database.password"}, javaErrors: 1},
	{name: "mysql-bogus-enum", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{"snapshot.mode": "bogus"}, javaErrors: 1},
	{name: "mysql-bad-int", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{"database.port": "abc", "max.batch.size": "x", "database.server.id": "-1"}, javaErrors: 5},
	{name: "mysql-adaptive", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{"time.precision.mode": "adaptive"}, javaErrors: 1},
	{name: "mysql-more-checks", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{
		"table.include.list": "demo.a,(b", "snapshot.locking.mode": "x", "skipped.operations": "c,x", "max.queue.size": "10",
		"topic.prefix": "a b", "message.key.columns": "x", "schema.history.internal": "0", "custom.metric.tags": "a"}, javaErrors: 10},
	{name: "mysql-wrong-password", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{"database.password": "wrong"}, javaErrors: 1},
	{name: "mysql-no-server", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{"database.port": "1"}, javaErrors: 1},
	{name: "mysql-unsupported", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{"include.query": "true"},
		accepted: []referenceKnown{
			{regexp.MustCompile(`^mysql-unsupported/connector validate configs\[include\.query\]\.value\.errors\[0\]: java=<absent> goconnect="include.query=true is not supported by goconnect yet"`),
				"goconnect refuses settings that would change the output and that it does not implement (README, MySQL CDC source)"},
			{regexp.MustCompile(`^mysql-unsupported validate error_count: java=0 goconnect=1`), "the refusal above"},
		}},
	{name: "mysql-transforms", plugin: "MySqlConnector", base: validateMySQLBase(), config: map[string]string{
		"transforms": "unwrap,route", "transforms.unwrap.type": "io.debezium.transforms.ExtractNewRecordState",
		"transforms.route.type": "org.apache.kafka.connect.transforms.RegexRouter", "transforms.route.regex": "(.*)", "transforms.route.replacement": "$1-x",
		"transforms.route.predicate": "p", "predicates": "p", "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", "predicates.p.pattern": "validate.*"},
		otherVersion: []referenceKnown{
			{regexp.MustCompile(`^mysql-transforms/framework validate configs\[transforms\.unwrap\.`), "Debezium's ExtractNewRecordState of another Debezium version"},
			{regexp.MustCompile(`^mysql-transforms validate \{entry order\}: `), "follows from the ExtractNewRecordState keys"},
		}},
	{name: "file-source-valid", plugin: "FileStreamSource", config: map[string]string{"connector.class": "FileStreamSource", "name": "f", "topic": "t", "file": "/tmp/validate"}, pending: fileVersionPending},
	{name: "file-source-empty", plugin: "FileStreamSource", config: map[string]string{"connector.class": "FileStreamSource", "topic": "", "batch.size": "x", "tasks.max": "x"}, javaErrors: 5, pending: fileVersionPending},
	{name: "file-sink-valid", plugin: "FileStreamSink", config: map[string]string{"connector.class": "FileStreamSink", "name": "f", "topics": "t"}, pending: fileVersionPending},
	{name: "file-sink-empty", plugin: "FileStreamSink", config: map[string]string{"connector.class": "FileStreamSink"}, javaErrors: 3, pending: fileVersionPending},
	{name: "file-sink-smts", plugin: "FileStreamSink", config: map[string]string{"connector.class": "FileStreamSink", "name": "f", "topics": "t",
		"transforms": "ins,repl,cast,ts,mask,meta,hdr,v2k,route,ex", "transforms.ins.type": "org.apache.kafka.connect.transforms.InsertField$Value", "transforms.ins.topic.field": "t",
		"transforms.repl.type": "org.apache.kafka.connect.transforms.ReplaceField$Value", "transforms.repl.exclude": "a,b",
		"transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value", "transforms.cast.spec": "a:int32",
		"transforms.ts.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value", "transforms.ts.target.type": "Timestamp", "transforms.ts.field": "f",
		"transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value", "transforms.mask.fields": "a",
		"transforms.meta.type": "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value", "transforms.meta.schema.name": "n",
		"transforms.hdr.type": "org.apache.kafka.connect.transforms.HeaderFrom$Value", "transforms.hdr.fields": "a", "transforms.hdr.headers": "h", "transforms.hdr.operation": "copy",
		"transforms.v2k.type": "org.apache.kafka.connect.transforms.ValueToKey", "transforms.v2k.fields": "a",
		"transforms.route.type": "org.apache.kafka.connect.transforms.TimestampRouter",
		"transforms.ex.type":    "org.apache.kafka.connect.transforms.ExtractField$Key", "transforms.ex.field": "id", "transforms.ex.predicate": "hh",
		"predicates": "hh", "predicates.hh.type": "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", "predicates.hh.name": "h"}, pending: fileVersionPending},
	{name: "file-sink-smtbad", plugin: "FileStreamSink", config: map[string]string{"connector.class": "FileStreamSink", "name": "f", "topics": "t",
		"transforms": "cast,ts,hdr,repl,route,mask", "transforms.cast.type": "org.apache.kafka.connect.transforms.Cast$Value", "transforms.cast.spec": "a:bogus",
		"transforms.ts.type": "org.apache.kafka.connect.transforms.TimestampConverter$Value", "transforms.ts.target.type": "bogus", "transforms.ts.unix.precision": "x",
		"transforms.hdr.type": "org.apache.kafka.connect.transforms.HeaderFrom$Value", "transforms.hdr.fields": "a", "transforms.hdr.headers": "h", "transforms.hdr.operation": "x",
		"transforms.repl.type": "org.apache.kafka.connect.transforms.ReplaceField$Value", "transforms.repl.renames": "a",
		"transforms.route.type": "org.apache.kafka.connect.transforms.TimestampRouter", "transforms.route.topic.format": "",
		"transforms.mask.type": "org.apache.kafka.connect.transforms.MaskField$Value", "transforms.mask.fields": ""}, javaErrors: 6,
		pending: fileVersionPending,
		accepted: []referenceKnown{{regexp.MustCompile(`^file-sink-smtbad/framework validate configs\[transforms\.route\.topic\.format\]\.value\.errors\[0\]: java=<absent> goconnect="Invalid value  for configuration topic\.format: String may not be empty"`),
			"goconnect refuses an empty TimestampRouter topic.format, which Connect accepts and then routes every record to the topic \"\" (the producer fails each)"},
			{regexp.MustCompile(`^file-sink-smtbad validate error_count: java=6 goconnect=7`), "the refusal above"}}},
	{name: "mongo-valid", plugin: "MongoSinkConnector", base: validateMongoBase(), pending: mongoSinkPending, maybe: mongoSinkMaybe},
	{name: "mongo-empty", plugin: "MongoSinkConnector", config: map[string]string{"connector.class": "com.mongodb.kafka.connect.MongoSinkConnector"}, pending: mongoSinkPending, maybe: mongoSinkMaybe, javaErrors: 2},
	{name: "mongo-bad", plugin: "MongoSinkConnector", base: validateMongoBase(), config: map[string]string{"max.batch.size": "-1", "delete.on.null.values": "x",
		"key.projection.type": "bogus", "rate.limiting.every.n": "y", "tasks.max": "0"}, pending: mongoSinkPending, maybe: mongoSinkMaybe, javaErrors: 6},
}

// emulatedVersions are the plugin versions goconnect's answers are
// compared with in full; a reference running another version (the Connect
// 4.1.1 reference's Debezium 3.4.1) is compared on Connect's part only.
var emulatedVersions = map[string]string{
	"io.debezium.connector.mysql.MySqlConnector":   "2.7.3.Final",
	"com.mongodb.kafka.connect.MongoSinkConnector": "1.13.0",
}

// connectorClasses are the cases' plugins by the name the requests use.
var connectorClasses = map[string]string{
	"MySqlConnector":     "io.debezium.connector.mysql.MySqlConnector",
	"MongoSinkConnector": "com.mongodb.kafka.connect.MongoSinkConnector",
	"FileStreamSource":   "org.apache.kafka.connect.file.FileStreamSourceConnector",
	"FileStreamSink":     "org.apache.kafka.connect.file.FileStreamSinkConnector",
}

// frameworkOnly keeps Connect's entries and blanks the connector's
// version in them, for a reference running another connector version.
func frameworkOnly(entries []*jsonNode) []*jsonNode {
	var out []*jsonNode
	for _, e := range entries {
		if entryPart(e) != "framework" {
			continue
		}
		if entryName(e) == "connector.plugin.version" {
			def, val := e.get("definition"), e.get("value")
			if def == nil {
				def = e
			}
			def.set("default_value", "<connector version>")
			if val != nil {
				val.set("value", "<connector version>")
				if rec := val.get("recommended_values"); rec != nil {
					*rec = jsonNode{kind: 's', lit: "<connector version>"}
				}
			}
		}
		out = append(out, e)
	}
	return out
}

// validateWorker is one side of the comparison.
type validateWorker struct {
	url       string
	version   string            // GET / version
	plugins   map[string]string // connector class → version
	installed map[string]string // "converter"/"header_converter" → sorted classes, comma-joined
}

func newValidateWorker(t *testing.T, url string) (*validateWorker, error) {
	t.Helper()
	w := &validateWorker{url: url, plugins: map[string]string{}, installed: map[string]string{}}
	code, b := httpDo("GET", url+"/", "")
	if code != 200 {
		return nil, fmt.Errorf("GET %s/: %d %s", url, code, b)
	}
	var root struct{ Version string }
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, err
	}
	w.version = root.Version
	code, b = httpDo("GET", url+"/connector-plugins?connectorsOnly=false", "")
	if code != 200 {
		return nil, fmt.Errorf("GET %s/connector-plugins: %d %s", url, code, b)
	}
	var plugins []struct{ Class, Type, Version string }
	if err := json.Unmarshal(b, &plugins); err != nil {
		return nil, err
	}
	kinds := map[string][]string{}
	for _, p := range plugins {
		switch p.Type {
		case "source", "sink":
			w.plugins[p.Class] = p.Version
		case "converter", "header_converter", "transformation", "predicate":
			kinds[p.Type] = append(kinds[p.Type], p.Class)
		}
	}
	for k, l := range kinds {
		slices.Sort(l)
		w.installed[k] = strings.Join(l, ",")
	}
	return w, nil
}

// normaliseValidate blanks what validateVolatile lists in an answer's
// configs (validate) or key list (config).
func (w *validateWorker) normalise(entries []*jsonNode) {
	for _, e := range entries {
		def, val := e.get("definition"), e.get("value")
		if def == nil && val == nil { // a plugin config entry is the definition itself
			def = e
		}
		name := ""
		if def != nil && def.get("name") != nil {
			name = def.get("name").lit
		} else if val != nil && val.get("name") != nil {
			name = val.get("name").lit
		}
		kind := ""
		switch {
		case name == "key.converter" || name == "value.converter":
			kind = "converter"
		case name == "header.converter":
			kind = "header_converter"
		case strings.HasPrefix(name, "transforms.") && strings.HasSuffix(name, ".type"):
			kind = "transformation"
		case strings.HasPrefix(name, "predicates.") && strings.HasSuffix(name, ".type"):
			kind = "predicate"
		}
		if kind != "" && val != nil {
			if rec := val.get("recommended_values"); rec != nil && rec.kind == '[' {
				var l []string
				for _, v := range rec.vals {
					l = append(l, v.lit)
				}
				if len(l) > 0 && strings.Join(l, ",") == w.installed[kind] {
					*rec = jsonNode{kind: 's', lit: "<installed>"}
				}
			}
		}
		if strings.HasSuffix(name, ".plugin.version") && !strings.HasPrefix(name, "connector.") {
			if d := def.get("default_value"); d != nil && d.lit == w.version {
				d.lit = "<kafka version>"
			}
			if val != nil {
				if v := val.get("value"); v != nil && v.lit == w.version {
					v.lit = "<kafka version>"
				}
				if rec := val.get("recommended_values"); rec != nil {
					for _, v := range rec.vals {
						if v.lit == w.version {
							v.lit = "<kafka version>"
						}
					}
				}
			}
		}
	}
}

// frameworkGroups are Connect's own groups of a validation answer.
var frameworkGroups = map[string]bool{"Common": true, "Transforms": true, "Predicates": true, "Error Handling": true,
	"Topic Creation": true, "Exactly Once Support": true, "offsets.topic": true}

// entryPart tells Connect's keys from the connector's, for reading the
// differences: by the definition's group (transform and predicate groups
// are Connect's), else by name.
func entryPart(e *jsonNode) string {
	def := e.get("definition")
	if def == nil || def.kind == '0' {
		def = e
	}
	if g := def.get("group"); g != nil && g.kind == 's' {
		if frameworkGroups[g.lit] || strings.HasPrefix(g.lit, "Transforms: ") || strings.HasPrefix(g.lit, "Predicates: ") {
			return "framework"
		}
	}
	return "connector"
}

func entryName(e *jsonNode) string {
	for _, part := range []string{"definition", "value"} {
		if p := e.get(part); p != nil && p.get("name") != nil {
			return p.get("name").lit
		}
	}
	if n := e.get("name"); n != nil {
		return n.lit
	}
	return "?"
}

// diffEntries compares two lists of entries by name.
func diffEntries(caseName, kind string, java, gocn []*jsonNode) (diffs []referenceDiff, compared, identical int) {
	index := func(l []*jsonNode) (map[string]*jsonNode, []string) {
		m := map[string]*jsonNode{}
		var names []string
		for _, e := range l {
			n := entryName(e)
			m[n] = e
			names = append(names, n)
		}
		return m, names
	}
	jm, jn := index(java)
	gm, gn := index(gocn)
	if strings.Join(jn, ",") != strings.Join(gn, ",") {
		diffs = append(diffs, referenceDiff{topic: caseName, part: kind, path: "{entry order}", java: strings.Join(jn, ","), gocn: strings.Join(gn, ",")})
	}
	for _, n := range jn {
		compared++
		part := entryPart(jm[n])
		var d []referenceDiff
		diffJSON(fmt.Sprintf("configs[%s]", n), jm[n], gm[n], &d)
		if len(d) == 0 {
			identical++
		}
		for _, x := range d {
			x.topic, x.part = caseName+"/"+part, kind
			diffs = append(diffs, x)
		}
	}
	for _, n := range gn {
		if jm[n] == nil {
			diffs = append(diffs, referenceDiff{topic: caseName + "/" + entryPart(gm[n]), part: kind, path: fmt.Sprintf("configs[%s]", n), java: "<absent>", gocn: "present"})
		}
	}
	return diffs, compared, identical
}

// validateAnswer sends a case's request and parses the answer.
func validateAnswer(t *testing.T, w *validateWorker, c validateCase) (top *jsonNode, entries []*jsonNode) {
	t.Helper()
	props := map[string]string{}
	for k, v := range c.base {
		props[k] = v
	}
	for _, k := range c.del {
		delete(props, k)
	}
	for k, v := range c.config {
		props[k] = v
	}
	body, _ := json.Marshal(props)
	code, b := httpRetry(t, "PUT", w.url+"/connector-plugins/"+c.plugin+"/config/validate", string(body))
	if code != 200 {
		t.Fatalf("%s: validate on %s: %d %s", c.name, w.url, code, b)
	}
	top, err := parseJSONNode(b)
	if err != nil {
		t.Fatalf("%s: %v: %s", c.name, err, b)
	}
	entries = top.get("configs").vals
	w.normalise(entries)
	return top, entries
}

// compareValidate runs every case against one reference worker.
func compareValidate(t *testing.T, ref, gocn *validateWorker, extraAccepted []referenceKnown) {
	for _, c := range validateCases {
		t.Run(c.name, func(t *testing.T) {
			class := connectorClasses[c.plugin]
			v, ok := ref.plugins[class]
			if !ok {
				t.Skipf("the reference at %s has no %s", ref.url, class)
			}
			jt, je := validateAnswer(t, ref, c)
			gt, ge := validateAnswer(t, gocn, c)
			if want, emulated := emulatedVersions[class]; emulated && v != want {
				// Another connector version: Connect's part only, and
				// no pending entry is required to occur.
				d, compared, identical := diffEntries(c.name, "validate", frameworkOnly(je), frameworkOnly(ge))
				t.Logf("%s (%s %s: Connect's part only): %d/%d entries identical", c.name, class, v, identical, compared)
				checkValidateDiffs(t, d, append(slices.Clone(c.accepted), extraAccepted...), nil, slices.Concat(c.pending, c.maybe, c.otherVersion))
				return
			}
			if n := jt.get("error_count").lit; n != fmt.Sprint(c.javaErrors) {
				t.Fatalf("the reference answered error_count %s, the case expects %d: it no longer covers what it claims", n, c.javaErrors)
			}
			var diffs []referenceDiff
			if v != gocn.plugins[class] {
				diffs = append(diffs, referenceDiff{topic: c.name, part: "validate", path: "plugin version", java: v, gocn: gocn.plugins[class]})
			}
			for _, f := range []string{"name", "error_count", "groups"} {
				if a, b := jt.get(f).String(), gt.get(f).String(); a != b {
					diffs = append(diffs, referenceDiff{topic: c.name, part: "validate", path: f, java: a, gocn: b})
				}
			}
			d, compared, identical := diffEntries(c.name, "validate", je, ge)
			diffs = append(diffs, d...)
			t.Logf("%s: %d/%d entries identical (goconnect %d entries), error_count %s/%s", c.name, identical, compared, len(ge), jt.get("error_count").lit, gt.get("error_count").lit)
			checkValidateDiffs(t, diffs, append(slices.Clone(c.accepted), extraAccepted...), c.pending, c.maybe)
		})
	}
	for _, p := range []struct {
		plugin         string
		pending, maybe []referenceKnown
	}{
		{"io.debezium.connector.mysql.MySqlConnector", nil, nil},
		{"com.mongodb.kafka.connect.MongoSinkConnector", nil, mongoSinkMaybe},
	} {
		name := "config-mysql"
		if strings.Contains(p.plugin, "mongodb") {
			name = "config-mongo"
		}
		t.Run(name, func(t *testing.T) {
			v, ok := ref.plugins[p.plugin]
			if !ok {
				t.Skipf("the reference at %s has no %s", ref.url, p.plugin)
			}
			get := func(w *validateWorker) []*jsonNode {
				code, b := httpRetry(t, "GET", w.url+"/connector-plugins/"+p.plugin+"/config", "")
				if code != 200 {
					t.Fatalf("GET config on %s: %d %s", w.url, code, b)
				}
				n, err := parseJSONNode(b)
				if err != nil {
					t.Fatal(err)
				}
				w.normalise(n.vals)
				return n.vals
			}
			if want := emulatedVersions[p.plugin]; v != want {
				d, compared, identical := diffEntries(name, "config", frameworkOnly(get(ref)), frameworkOnly(get(gocn)))
				t.Logf("%s (%s %s: Connect's part only): %d/%d keys identical", name, p.plugin, v, identical, compared)
				checkValidateDiffs(t, d, extraAccepted, nil, nil)
				return
			}
			d, compared, identical := diffEntries(name, "config", get(ref), get(gocn))
			t.Logf("%s: %d/%d keys identical", name, identical, compared)
			checkValidateDiffs(t, d, extraAccepted, p.pending, p.maybe)
		})
	}
}

// checkValidateDiffs fails on every difference neither accepted nor
// pending (nor maybe: pending, not required), and on every pending entry
// that no longer differs.
func checkValidateDiffs(t *testing.T, diffs []referenceDiff, accepted, pending, maybe []referenceKnown) {
	t.Helper()
	seen := make([]bool, len(pending))
	unexplained := 0
	for _, d := range diffs {
		known := false
		for _, a := range append(slices.Clone(accepted), maybe...) {
			known = known || a.matches(d)
		}
		for i, p := range pending {
			if p.matches(d) {
				known, seen[i] = true, true
			}
		}
		if !known {
			unexplained++
			if unexplained <= 40 {
				t.Errorf("difference: %s %s %s: java=%s goconnect=%s", d.topic, d.part, d.path, d.java, d.gocn)
			}
		}
	}
	if unexplained > 40 {
		t.Errorf("… and %d more differences", unexplained-40)
	}
	if unexplained > 0 {
		for _, v := range validateVolatile {
			t.Logf("normalised before comparing: %s (%s)", v.what, v.why)
		}
	}
	for i, p := range pending {
		if !seen[i] {
			t.Errorf("pending difference %q (%s) no longer occurs: goconnect fixed it, remove the entry", p.match, p.why)
		}
	}
}

func TestReferenceValidate(t *testing.T) {
	dir := t.TempDir()
	// plugin.path names Kafka's file connector jar: goconnect offers its
	// FileStream connectors only then, as Connect 4 does.
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf("bootstrap.servers=%s\nkey.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\noffset.storage.file.filename=%s\nlisteners=http://127.0.0.1:0\nplugin.path=/opt/kafka/libs/connect-file-4.1.1.jar\n",
		kafkaAddr, filepath.Join(dir, "connect.offsets")))
	gocn, err := newValidateWorker(t, restURL(t, startWorker(t, "standalone", filepath.Join(dir, "worker.properties"))))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := newValidateWorker(t, javaConnectURL)
	if err != nil {
		t.Fatalf("the Java reference (scripts/services.sh up java-connect): %v", err)
	}
	t.Run("connect-"+ref.version, func(t *testing.T) { compareValidate(t, ref, gocn, validate41Changes) })
	ref41, err := newValidateWorker(t, java41ConnectURL)
	switch {
	case err != nil:
		t.Fatalf("no Connect 4.1 reference at %s (start it with scripts/services.sh up java-connect-4): %v", java41ConnectURL, err)
	case !strings.HasPrefix(ref41.version, "4.1."):
		t.Fatalf("the reference at %s is Connect %s, not 4.1", java41ConnectURL, ref41.version)
	default:
		t.Run("connect-"+ref41.version, func(t *testing.T) { compareValidate(t, ref41, gocn, nil) })
	}
}

// TestReferenceValidateCreate: a config the connector refuses is answered
// 400 with the same errors, in the connector's words, on create.
func TestReferenceValidateCreate(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf("bootstrap.servers=%s\nkey.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\noffset.storage.file.filename=%s\nlisteners=http://127.0.0.1:0\n",
		kafkaAddr, filepath.Join(dir, "connect.offsets")))
	rest := restURL(t, startWorker(t, "standalone", filepath.Join(dir, "worker.properties")))
	for _, c := range []struct {
		name   string
		config map[string]string
	}{
		{"bogus-enum", map[string]string{"snapshot.mode": "bogus"}},
		{"bad-ints", map[string]string{"database.port": "abc", "max.batch.size": "0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			props := validateMySQLBase()
			name := fmt.Sprintf("refcreate%d", time.Now().UnixNano()%1_000_000_000)
			props["name"] = name
			for k, v := range c.config {
				props[k] = v
			}
			body, _ := json.Marshal(props)
			jc, jb := httpRetry(t, "PUT", javaConnectURL+"/connectors/"+name+"/config", string(body))
			t.Cleanup(func() { httpDo("DELETE", javaConnectURL+"/connectors/"+name, "") })
			gc, gb := httpRetry(t, "PUT", rest+"/connectors/"+name+"/config", string(body))
			if jc != 400 {
				t.Fatalf("the Java worker answered %d %s, want 400", jc, jb)
			}
			if gc != jc || string(gb) != string(jb) {
				t.Errorf("refused config:\n java      %d %s\n goconnect %d %s", jc, jb, gc, gb)
			}
		})
	}
}
