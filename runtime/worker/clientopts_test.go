package worker

import (
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/goconnect/goconnect/connect/config"
)

// TestProducerBufferMemory: producer.buffer.memory bounds the bytes the
// producer buffers (Java's setting), producer.override.* per connector
// wins, and a bad value is refused naming the key.
func TestProducerBufferMemory(t *testing.T) {
	for _, tc := range []struct {
		worker, conn map[string]string
		want         int
	}{
		{map[string]string{"producer.buffer.memory": "1048576"}, nil, 1 << 20},
		{map[string]string{"producer.buffer.memory": "1048576"}, map[string]string{"producer.override.buffer.memory": "2097152"}, 2 << 20},
	} {
		opts, err := producerOpts(tc.worker, tc.conn, nil)
		if err != nil {
			t.Fatal(err)
		}
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers("127.0.0.1:1"), kgo.MaxBufferedBytes(defaultBufferMemory)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(cl.OptValue(kgo.MaxBufferedBytes))
		cl.Close()
		if got != fmt.Sprint(tc.want) {
			t.Errorf("%v %v: MaxBufferedBytes %v, want %d", tc.worker, tc.conn, got, tc.want)
		}
	}
	_, err := producerOpts(map[string]string{"producer.buffer.memory": "0"}, nil, nil)
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "producer.buffer.memory" {
		t.Errorf("buffer.memory=0: %v, want an error naming producer.buffer.memory", err)
	}
}
