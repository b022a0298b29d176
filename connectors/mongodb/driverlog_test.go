package mongodb

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// loggerContext hands the task a logger, as the worker does.
type loggerContext struct {
	connect.SinkTaskContext
	log *slog.Logger
}

func (c loggerContext) Logger() *slog.Logger                               { return c.log }
func (c loggerContext) ErrantRecordReporter() connect.ErrantRecordReporter { return nil }

// With the driver's logging turned on from the environment, its lines go
// through the task's logger (the worker's JSON, with the task's
// attributes), not the driver's own output on stderr.
func TestDriverLogThroughTaskLogger(t *testing.T) {
	t.Setenv("MONGODB_LOG_ALL", "debug")
	var out syncBuf
	log := slog.New(slog.NewJSONHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug})).With("connector", "m", "task", 0)
	task := &SinkTask{}
	if err := task.Start(context.Background(), loggerContext{log: log}, map[string]string{
		"connection.uri": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500", "database": "d", "collection": "c", "topics": "t"}); err != nil {
		t.Fatal(err)
	}
	defer task.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "Starting topology monitoring" {
				if m["logger"] != "mongo-driver" || m["plugin"] != "MongoSinkConnector" || m["connector"] != "m" {
					t.Fatalf("driver line without the task's attributes: %s", l)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no driver line through the task's logger:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
