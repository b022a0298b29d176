package jsondoc

import "testing"

func TestCompactAndSorted(t *testing.T) {
	in := `{ "b" : [1, 2.50, 1e2, -0, 1E-7, true, null], "a": {"y":"\u00e9\n/", "x": {}}, "b2": "x", "a": 3 }`
	v, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	// A repeated name keeps its first place and last value, as Jackson's tree.
	if got := string(Append(nil, v, false)); got != `{"b":[1,2.50,1E+2,0,1E-7,true,null],"a":3,"b2":"x"}` {
		t.Fatalf("compact: %s", got)
	}
	if got := string(Append(nil, v, true)); got != `{"a":3,"b":[1,2.50,1E+2,0,1E-7,true,null],"b2":"x"}` {
		t.Fatalf("sorted: %s", got)
	}
	if _, err := Parse([]byte(`{} {}`)); err == nil {
		t.Fatal("trailing data accepted")
	}
}
