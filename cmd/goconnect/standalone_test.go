package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStandaloneRefusesRemovedPersistedBroker: the persisted embedded
// broker was removed; asking for it must say so and point at a real Kafka,
// not start an in-memory broker the user believes is durable.
func TestStandaloneRefusesRemovedPersistedBroker(t *testing.T) {
	dir := t.TempDir()
	worker := filepath.Join(dir, "worker.properties")
	must(t, os.WriteFile(worker, []byte("key.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"value.converter=org.apache.kafka.connect.storage.StringConverter\n"+
		"offset.storage.file.filename="+filepath.Join(dir, "offsets")+"\nlisteners=http://127.0.0.1:0\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--embedded-kafka-dir", dir}, "scripts/services.sh up kafka"},
		{[]string{"--embedded-kafka-retention-bytes", "0"}, "positive number of bytes"},
	} {
		err := runStandalone(context.Background(), append(tc.args, worker), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.want)
		}
	}
}
