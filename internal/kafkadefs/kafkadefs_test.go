package kafkadefs

import "testing"

func TestKeys(t *testing.T) {
	keys, ok := Keys("org.apache.kafka.connect.transforms.InsertField$Value")
	if !ok || len(keys) != 7 {
		t.Fatalf("InsertField$Value: %d keys, listed %v; want 7", len(keys), ok)
	}
	if keys, ok := Keys("org.apache.kafka.connect.storage.SimpleHeaderConverter"); !ok || len(keys) != 0 {
		t.Fatalf("SimpleHeaderConverter: %v %v; want listed with no keys", keys, ok)
	}
	if _, ok := Keys("com.example.Unknown"); ok {
		t.Fatal("an unknown class is listed")
	}
	keys[0].Name = "changed"
	if again, _ := Keys("org.apache.kafka.connect.transforms.InsertField$Value"); again[0].Name == "changed" {
		t.Fatal("Keys hands out the shared slice")
	}
}
