package mysql

import (
	"slices"
	"testing"
)

func TestSplitRegexList(t *testing.T) {
	for in, want := range map[string][]string{
		"demo.a":                  {"demo.a"},
		" demo.a , demo\\.b.* ,,": {"demo.a", `demo\.b.*`},
		`demo.t{1\,3}`:            {"demo.t{1,3}"},
		`demo.x\\,demo.y`:         {`demo.x\\`, "demo.y"},
		"":                        nil,
	} {
		if got := splitRegexList(in); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestJavaMap(t *testing.T) {
	// HashMap order of Debezium's binlog offset keys.
	got := javaMap(map[string]any{"file": "mysql-bin.000003", "pos": int64(154), "ts_sec": int64(1700000000), "server_id": int64(1)})
	if got != "{ts_sec=1700000000, file=mysql-bin.000003, pos=154, server_id=1}" {
		t.Fatal(got)
	}
}

func TestIncludeOrder(t *testing.T) {
	f, err := newFilter(nil, nil, []string{"inv.zeta", "inv.a.*"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.signal = "inv.sig"
	ids := [][2]string{{"inv", "alpha"}, {"inv", "beta"}, {"inv", "sig"}, {"inv", "zeta"}}
	got := includeOrder(ids, f)
	want := [][2]string{{"inv", "zeta"}, {"inv", "alpha"}, {"inv", "sig"}, {"inv", "beta"}}
	if !slices.Equal(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
	f.tableInclude = nil
	if got := includeOrder(ids, f); !slices.Equal(got, ids) {
		t.Fatalf("without a list: %v", got)
	}
}
