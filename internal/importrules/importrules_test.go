package importrules

import (
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/goconnect/goconnect/"

// rule says what the packages under one folder may import of the module
// (non-test imports; tests may use anything, the built-in list included).
type rule struct {
	folder string
	// allowed are folders (or packages) whose packages may be imported.
	allowed []string
	why     string
}

var rules = []rule{
	{"connect", []string{"connect"}, "connect/ is the plugin API and imports nothing else of goconnect (as Connect's api module)"},
	{"connectors", []string{"connect", "internal", "connectors"}, "plugins depend only on connect/ and the internal/ helpers made for them"},
	{"converters", []string{"connect", "internal", "converters"}, "plugins depend only on connect/ and the internal/ helpers made for them"},
	{"transforms", []string{"connect", "internal", "transforms"}, "plugins depend only on connect/ and the internal/ helpers made for them"},
	{"runtime", []string{"connect", "internal", "runtime"}, "the runtime works with the registry it is given: it links no plugin and not the built-in list"},
	{"internal", []string{"connect", "internal"}, "internal/ helpers are shared leaves: they import no runtime and no plugin"},
	{"schemaregistry", []string{"internal", "schemaregistry"}, "the schema registry is a service of its own: it shares only internal/ helpers with the worker (its group membership is internal/kgroup)"},
}

// exempt packages break a rule on purpose.
var exempt = map[string]string{
	"internal/testkit": "test helper: starts the embedded broker of runtime/embedded",
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func TestImportRules(t *testing.T) {
	out, err := exec.Command("go", "list", "-e", "-json", module+"...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	checked := map[string]int{}
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		rel := strings.TrimPrefix(p.ImportPath, module)
		if _, ok := exempt[rel]; ok {
			continue
		}
		r, ok := ruleFor(rel)
		if !ok {
			continue
		}
		checked[r.folder]++
		for _, imp := range p.Imports {
			dep, ours := strings.CutPrefix(imp, module)
			if !ours || under(dep, r.allowed) {
				continue
			}
			t.Errorf("%s imports %s: %s", rel, dep, r.why)
		}
	}
	// The rules must have seen the code they guard, or they prove nothing.
	for _, r := range rules {
		if checked[r.folder] == 0 {
			t.Errorf("no package found under %s/", r.folder)
		}
	}
}

func ruleFor(rel string) (rule, bool) {
	for _, r := range rules {
		if under(rel, []string{r.folder}) {
			return r, true
		}
	}
	return rule{}, false
}

func under(rel string, folders []string) bool {
	for _, f := range folders {
		if rel == f || strings.HasPrefix(rel, f+"/") {
			return true
		}
	}
	return false
}
