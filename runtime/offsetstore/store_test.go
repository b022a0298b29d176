package offsetstore

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func TestEncodeJavaHashMapLayout(t *testing.T) {
	key := []byte(`["conn",{"p":1}]`) // 16 bytes
	val := []byte(`{"o":2}`)
	got := EncodeJavaHashMap([][2][]byte{{key, val}})
	wantPrefix, _ := hex.DecodeString("aced0005737200116a6176612e7574696c2e486173684d61700507dac1c31660d1030002" +
		"46000a6c6f6164466163746f724900097468726573686f6c6478703f4000000000000c770800000010" + "00000001" +
		"757200025b42acf317f8060854e0020000787000000010")
	if !bytes.HasPrefix(got, wantPrefix) {
		t.Fatalf("header/first array mismatch:\n got %x\nwant %x", got[:len(wantPrefix)], wantPrefix)
	}
	rest := got[len(wantPrefix):]
	if !bytes.HasPrefix(rest, key) {
		t.Fatalf("key bytes missing: %x", rest)
	}
	rest = rest[len(key):]
	// The second array refers back to the [B class descriptor (handle 0x7e0002).
	wantSecond, _ := hex.DecodeString("7571007e000200000007")
	if !bytes.HasPrefix(rest, wantSecond) {
		t.Fatalf("second array header: got %x want %x", rest[:len(wantSecond)], wantSecond)
	}
	if !bytes.Equal(rest[len(wantSecond):], append(val, 0x78)) {
		t.Fatalf("tail: %x", rest[len(wantSecond):])
	}
}

func TestJavaHashMapRoundTripWithNull(t *testing.T) {
	pairs := [][2][]byte{{[]byte("a"), []byte("1")}, {[]byte("b"), nil}, {[]byte("c"), []byte{}}}
	for i := 0; i < 20; i++ { // enough entries to grow past 16 buckets
		pairs = append(pairs, [2][]byte{[]byte{byte('d' + i)}, []byte{byte(i)}})
	}
	got, err := DecodeJavaHashMap(EncodeJavaHashMap(pairs))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(pairs) {
		t.Fatalf("got %d pairs, want %d", len(got), len(pairs))
	}
	for i := range pairs {
		if !bytes.Equal(got[i][0], pairs[i][0]) || !bytes.Equal(got[i][1], pairs[i][1]) || (got[i][1] == nil) != (pairs[i][1] == nil) {
			t.Fatalf("pair %d: got %q=%q want %q=%q", i, got[i][0], got[i][1], pairs[i][0], pairs[i][1])
		}
	}
}

func TestDecodeJavaHashMapRejectsTruncated(t *testing.T) {
	full := EncodeJavaHashMap([][2][]byte{{[]byte(`["x",{}]`), []byte(`{"a":1}`)}})
	for n := 1; n < len(full); n++ {
		if _, err := DecodeJavaHashMap(full[:n]); err == nil {
			t.Fatalf("truncated at %d bytes decoded without error", n)
		}
	}
}

func FuzzDecodeJavaHashMap(f *testing.F) {
	f.Add(EncodeJavaHashMap(nil))
	f.Add(EncodeJavaHashMap([][2][]byte{{[]byte(`["x",{"a":"b"}]`), []byte(`{"pos":1}`)}, {[]byte("k"), nil}}))
	f.Add([]byte{0xAC, 0xED, 0, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		pairs, err := DecodeJavaHashMap(b)
		if err != nil {
			return
		}
		again, err := DecodeJavaHashMap(EncodeJavaHashMap(pairs))
		if err != nil || len(again) != len(pairs) {
			t.Fatalf("re-encoding %d pairs failed: %v", len(pairs), err)
		}
	})
}

func TestFileStoreSurvivesReopenAndKeepsKeyBytes(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "connect.offsets")
	// A Java worker wrote this partition with its own key order.
	javaKey := []byte(`["src",{"task.id":0,"b":"x"}]`)
	if err := os.WriteFile(path, EncodeJavaHashMap([][2][]byte{{javaKey, []byte(`{"current.iteration":5}`)}}), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	part := map[string]any{"b": "x", "task.id": int64(0)}
	off, err := s.Get(ctx, "src", part)
	if err != nil || off["current.iteration"] != int64(5) {
		t.Fatalf("Get = %v, %v; want current.iteration 5", off, err)
	}
	if err := s.Put(ctx, "src", []Offset{{Partition: part, Offset: map[string]any{"current.iteration": int64(9)}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "other", []Offset{{Partition: map[string]any{"f": "a"}, Offset: map[string]any{"position": int64(3)}}}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	pairs, err := DecodeJavaHashMap(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 2 || !bytes.Equal(pairs[0][0], javaKey) || string(pairs[0][1]) != `{"current.iteration":9}` {
		t.Fatalf("file holds %q", pairs)
	}
	s2, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s2.List(ctx, "other")
	if err != nil || len(list) != 1 || list[0].Offset["position"] != int64(3) {
		t.Fatalf("List(other) = %v, %v", list, err)
	}
	// A nil offset removes the partition.
	if err := s2.Put(ctx, "other", []Offset{{Partition: map[string]any{"f": "a"}}}); err != nil {
		t.Fatal(err)
	}
	if l, _ := s2.List(ctx, "other"); len(l) != 0 {
		t.Fatalf("partition not removed: %v", l)
	}
}

func TestOpenFileRejectsGarbage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(path, []byte("not java"), 0o644)
	if _, err := OpenFile(path); err == nil {
		t.Fatal("garbage offsets file opened without error")
	}
}

func TestKeyCodec(t *testing.T) {
	k, err := EncodeKey("mysql-cdc", map[string]any{"server": "dbserver1"})
	if err != nil || string(k) != `["mysql-cdc",{"server":"dbserver1"}]` {
		t.Fatalf("EncodeKey = %s, %v", k, err)
	}
	name, part, err := DecodeKey([]byte(`["n",{"a":1,"f":1.5,"s":"x","b":true,"z":null}]`))
	if err != nil || name != "n" || part["a"] != int64(1) || part["f"] != 1.5 || part["s"] != "x" || part["b"] != true {
		t.Fatalf("DecodeKey = %q %v %v", name, part, err)
	}
	if _, _, err := DecodeKey([]byte(`{"a":1}`)); err == nil {
		t.Fatal("non-array key accepted")
	}
}
