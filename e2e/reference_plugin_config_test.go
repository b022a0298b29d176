//go:build e2e

package e2e

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// pluginConfigPending are differences of GET /connector-plugins/{p}/config
// that goconnect still has against Connect 4.1.1 (each must still occur).
var pluginConfigPending = []referenceKnown{
	{regexp.MustCompile(`^config-org\.apache\.kafka\.connect\.file\.FileStream(Source|Sink)Connector/framework config configs\[connector\.plugin\.version\]\.default_value: java="4\.1\.1" goconnect="4\.1\.0-goconnect"`),
		"goconnect's FileStream connectors report 4.1.0-goconnect (as in TestReferenceValidate)"},
}

// pluginConfigMaybe: the MongoDB sink's version (1.16.0-goconnect), when
// the reference runs 1.13.0 (as in TestReferenceValidate).
var pluginConfigMaybe = []referenceKnown{
	{regexp.MustCompile(`^config-com\.mongodb\.kafka\.connect\.MongoSinkConnector/framework config configs\[connector\.plugin\.version\]`), "the MongoDB sink's version"},
}

// debeziumEmulated is the Debezium version goconnect's Debezium plugins
// list the definitions of.
const debeziumEmulated = "2.7.3.Final"

// TestReferencePluginConfig: GET /connector-plugins/{p}/config of every
// plugin both goconnect and the Connect 4.1.1 reference list
// (connectorsOnly=false) — connectors, transformations, predicates,
// converters, header converters — is the same, key by key and field by
// field. A connector of another version than goconnect emulates
// (Debezium 3.4.1 on the reference) is compared on Connect's keys only.
func TestReferencePluginConfig(t *testing.T) {
	ref, err := newValidateWorker(t, java41ConnectURL)
	if err != nil {
		t.Fatalf("no Connect 4.1 reference at %s (start it with scripts/services.sh up java-connect-4): %v", java41ConnectURL, err)
	}
	if !strings.HasPrefix(ref.version, "4.1.") {
		t.Fatalf("the reference at %s is Connect %s, not 4.1", java41ConnectURL, ref.version)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "worker.properties"), fmt.Sprintf("bootstrap.servers=%s\nkey.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=org.apache.kafka.connect.json.JsonConverter\noffset.storage.file.filename=%s\nlisteners=http://127.0.0.1:0\nplugin.path=/opt/kafka/libs/connect-file-4.1.1.jar\n",
		kafkaAddr, filepath.Join(dir, "connect.offsets")))
	gocn, err := newValidateWorker(t, restURL(t, startWorker(t, "standalone", filepath.Join(dir, "worker.properties"))))
	if err != nil {
		t.Fatal(err)
	}
	refVersions := map[string]string{}
	listed := func(w *validateWorker) map[string]string {
		code, b := httpRetry(t, "GET", w.url+"/connector-plugins?connectorsOnly=false", "")
		if code != 200 {
			t.Fatalf("GET %s/connector-plugins: %d %s", w.url, code, b)
		}
		n, err := parseJSONNode(b)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, p := range n.vals {
			out[p.get("class").lit] = p.get("type").lit
			if w == ref {
				refVersions[p.get("class").lit] = p.get("version").lit
			}
		}
		return out
	}
	refList, gocnList := listed(ref), listed(gocn)
	var both []string
	for class := range refList {
		if _, ok := gocnList[class]; ok {
			both = append(both, class)
		}
	}
	slices.Sort(both)
	if len(both) < 30 {
		t.Fatalf("only %d plugins listed by both: %v", len(both), both)
	}
	get := func(w *validateWorker, class string) []*jsonNode {
		code, b := httpRetry(t, "GET", w.url+"/connector-plugins/"+url.PathEscape(class)+"/config", "")
		if code != 200 {
			t.Fatalf("GET %s config on %s: %d %s", class, w.url, code, b)
		}
		n, err := parseJSONNode(b)
		if err != nil {
			t.Fatal(err)
		}
		w.normalise(n.vals)
		return n.vals
	}
	var diffs []referenceDiff
	maybe := slices.Clone(pluginConfigMaybe)
	totalCompared, totalIdentical := 0, 0
	for _, class := range both {
		name := "config-" + class
		j, g := get(ref, class), get(gocn, class)
		if want, emulated := emulatedVersions[class]; emulated && ref.plugins[class] != want {
			j, g = frameworkOnly(j), frameworkOnly(g)
			name += " (Connect's keys only)"
		}
		if v := refVersions[class]; strings.HasPrefix(class, "io.debezium.") && v != debeziumEmulated {
			// Debezium's SMTs of another Debezium version on the reference.
			maybe = append(maybe, referenceKnown{regexp.MustCompile("^" + regexp.QuoteMeta(name) + "[ /]"), "Debezium " + v + " on the reference, goconnect emulates " + debeziumEmulated})
		}
		d, compared, identical := diffEntries(name, "config", j, g)
		t.Logf("%s (%s): %d/%d keys identical (goconnect lists %d)", class, refList[class], identical, compared, len(g))
		totalCompared += compared
		totalIdentical += identical
		diffs = append(diffs, d...)
	}
	t.Logf("%d plugins listed by both, %d/%d keys identical", len(both), totalIdentical, totalCompared)
	checkValidateDiffs(t, diffs, nil, pluginConfigPending, maybe)
}
