package datagen

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// fakeCtx is a SourceTaskContext whose offset store holds one offset.
type fakeCtx struct {
	props  map[string]string
	stored map[string]any
	asked  map[string]any
}

func (f *fakeCtx) Offsets() connect.OffsetReader { return f }
func (f *fakeCtx) TaskConfig() map[string]string { return f.props }
func (f *fakeCtx) Logger() *slog.Logger          { return slog.New(slog.DiscardHandler) }
func (f *fakeCtx) Offset(_ context.Context, p map[string]any) (map[string]any, error) {
	f.asked = p
	return f.stored, nil
}

func props(kv ...string) map[string]string {
	m := map[string]string{"kafka.topic": "ratings", "quickstart": "ratings", "max.interval": "0", "task.id": "0"}
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "<unset>" {
			delete(m, kv[i])
			continue
		}
		m[kv[i]] = kv[i+1]
	}
	return m
}

func startTask(t testing.TB, p map[string]string, stored map[string]any) (*Task, *fakeCtx) {
	t.Helper()
	tc := &fakeCtx{props: p, stored: stored}
	task := &Task{}
	if err := task.Start(context.Background(), tc, p); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return task, tc
}

func poll(t testing.TB, task *Task, n int) []connect.SourceRecord {
	t.Helper()
	var out []connect.SourceRecord
	for len(out) < n {
		recs, err := task.Poll(context.Background())
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		out = append(out, recs...)
	}
	return out[:n]
}

func TestDesc(t *testing.T) {
	d := Desc()
	if d.Class != "io.confluent.kafka.connect.datagen.DatagenConnector" || d.Type != connect.TypeSource || d.Version == "" {
		t.Fatalf("desc %+v", d)
	}
	if _, ok := d.New().(connect.SourceConnector); !ok {
		t.Fatal("New does not return a SourceConnector")
	}
	if _, ok := d.New().(connect.Validator); !ok {
		t.Fatal("connector does not implement connect.Validator")
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name, key string
		p         map[string]string
	}{
		{"missing topic", "kafka.topic", props("kafka.topic", "<unset>")},
		{"two schema sources", "quickstart", props("schema.string", `{"type":"record"}`)},
		{"no schema source", "quickstart", props("quickstart", "<unset>")},
		{"unknown quickstart", "quickstart", props("quickstart", "users")},
		{"schema.string", "schema.string", props("quickstart", "<unset>", "schema.string", `{"type":"record"}`)},
		{"schema.filename", "schema.filename", props("quickstart", "<unset>", "schema.filename", "/x.avro")},
		{"bad keyfield", "schema.keyfield", props("schema.keyfield", "nope")},
		{"bad max.interval", "max.interval", props("max.interval", "soon")},
		{"bad iterations", "iterations", props("iterations", "x")},
		{"bad seed", "random.seed", props("random.seed", "1.5")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := (&Connector{}).Start(context.Background(), c.p)
			if err == nil || !strings.Contains(err.Error(), c.key) {
				t.Fatalf("Start error %v does not name %s", err, c.key)
			}
			var ce *config.Error
			if !errors.As(err, &ce) || ce.Key != c.key {
				t.Fatalf("want *config.Error for %s, got %#v", c.key, err)
			}
			if _, _, err := startTaskErr(c.p); err == nil || !strings.Contains(err.Error(), c.key) {
				t.Fatalf("task Start error %v does not name %s", err, c.key)
			}
			if c.key == "kafka.topic" || c.key == "max.interval" || c.key == "iterations" || c.key == "random.seed" {
				return // ConfigDef's own checks, not the Validator's
			}
			msgs := (&Connector{}).Validate(c.p)
			if len(msgs[c.key]) == 0 {
				t.Fatalf("Validate gave no message for %s: %v", c.key, msgs)
			}
		})
	}
	for _, qs := range []string{"ratings", "RATINGS", "Ratings"} {
		if err := (&Connector{}).Start(context.Background(), props("quickstart", qs, "schema.keyfield", "user_id")); err != nil {
			t.Errorf("quickstart %s: %v", qs, err)
		}
	}
	if msgs := (&Connector{}).Validate(props()); len(msgs) != 0 {
		t.Errorf("valid config gave %v", msgs)
	}
	for _, want := range []string{"not supported", "users"} {
		if err := (&Connector{}).Start(context.Background(), props("quickstart", "users")); !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func startTaskErr(p map[string]string) (*Task, *fakeCtx, error) {
	tc := &fakeCtx{props: p}
	task := &Task{}
	return task, tc, task.Start(context.Background(), tc, p)
}

func TestTaskConfigs(t *testing.T) {
	c := &Connector{}
	p := props("task.id", "<unset>", "random.seed", "7")
	if err := c.Start(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	cfgs, err := c.TaskConfigs(3)
	if err != nil || len(cfgs) != 3 {
		t.Fatalf("TaskConfigs: %v %d", err, len(cfgs))
	}
	for i, tc := range cfgs {
		if tc["task.id"] != strconv.Itoa(i) || tc["kafka.topic"] != "ratings" || tc["random.seed"] != "7" || len(tc) != len(p)+1 {
			t.Errorf("task %d config %v", i, tc)
		}
	}
	if _, ok := p["task.id"]; ok {
		t.Error("TaskConfigs changed the connector props")
	}
}

func values(recs []connect.SourceRecord) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Value.(*data.Struct).String()
	}
	return out
}

func TestDeterministicSeed(t *testing.T) {
	a, _ := startTask(t, props("random.seed", "42"), nil)
	b, _ := startTask(t, props("random.seed", "42"), nil)
	c, _ := startTask(t, props("random.seed", "43"), nil)
	other, _ := startTask(t, props("random.seed", "42", "task.id", "1"), nil)
	va, vb, vc, vo := values(poll(t, a, 2500)), values(poll(t, b, 2500)), values(poll(t, c, 2500)), values(poll(t, other, 2500))
	if strings.Join(va, "\n") != strings.Join(vb, "\n") {
		t.Fatal("same seed gave different records")
	}
	if strings.Join(va, "\n") == strings.Join(vc, "\n") {
		t.Fatal("different seeds gave the same records")
	}
	if strings.Join(va, "\n") == strings.Join(vo, "\n") {
		t.Fatal("tasks 0 and 1 gave the same records")
	}
	// Unseeded tasks differ from each other.
	u1, _ := startTask(t, props(), nil)
	u2, _ := startTask(t, props(), nil)
	if strings.Join(values(poll(t, u1, 100)), "\n") == strings.Join(values(poll(t, u2, 100)), "\n") {
		t.Fatal("two unseeded tasks gave the same records")
	}
}

func TestRatingsRecords(t *testing.T) {
	task, tc := startTask(t, props("random.seed", "1", "task.id", "2"), nil)
	if tc.asked["task.id"] != int64(2) || len(tc.asked) != 1 {
		t.Fatalf("offset asked for partition %v", tc.asked)
	}
	const n = 10000
	recs := poll(t, task, n)
	channels, messages := map[string]bool{}, map[string]bool{}
	users, stars, routes := map[int32]bool{}, map[int32]bool{}, map[int32]bool{}
	for i, r := range recs {
		if r.Topic != "ratings" || r.Partition != connect.NoPartition || !r.Timestamp.IsZero() {
			t.Fatalf("record %d coordinates %q %d %v", i, r.Topic, r.Partition, r.Timestamp)
		}
		if r.ValueSchema.Name != "ksql.ratings" || r.ValueSchema.Type != data.TypeStruct {
			t.Fatalf("value schema %v", r.ValueSchema)
		}
		st := r.Value.(*data.Struct)
		if err := st.Validate(); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		id := st.RawIndex(0).(int64)
		if id != int64(i+1) || st.RawIndex(4).(int64) != 1+12*int64(i) {
			t.Fatalf("record %d: rating_id %d rating_time %v", i, id, st.RawIndex(4))
		}
		if r.KeySchema != data.Int64Schema || r.Key != id {
			t.Fatalf("record %d key %v %v", i, r.KeySchema, r.Key)
		}
		u, s, ro := st.RawIndex(1).(int32), st.RawIndex(2).(int32), st.RawIndex(3).(int32)
		if u < -1 || u >= 20 || s < 1 || s >= 5 || ro < 1 || ro >= 9999 {
			t.Fatalf("record %d out of range: user %d stars %d route %d", i, u, s, ro)
		}
		users[u], stars[s], routes[ro] = true, true, true
		channels[st.RawIndex(5).(string)] = true
		messages[st.RawIndex(6).(string)] = true

		if len(r.Headers) != 3 {
			t.Fatalf("headers %v", r.Headers)
		}
		for j, want := range []struct {
			k string
			v int64
		}{{"task.generation", 0}, {"task.id", 2}, {"current.iteration", int64(i)}} {
			h := r.Headers[j]
			if h.Key != want.k || h.Schema != data.Int64Schema || h.Value != want.v {
				t.Fatalf("record %d header %d = %+v, want %v", i, j, h, want)
			}
		}
		if len(r.SourcePartition) != 1 || r.SourcePartition["task.id"] != int64(2) {
			t.Fatalf("partition %v", r.SourcePartition)
		}
		off := r.SourceOffset
		if len(off) != 3 || off["task.generation"] != int64(1) || off["current.iteration"] != int64(i+1) {
			t.Fatalf("record %d offset %v", i, off)
		}
		if _, ok := off["random.seed"].(int64); !ok {
			t.Fatalf("offset seed %T", off["random.seed"])
		}
	}
	if len(users) != 21 || len(stars) != 4 || len(channels) != len(ratingsChannels) || len(messages) != len(ratingsMessages) {
		t.Fatalf("not every value seen: users %d stars %d channels %v messages %d", len(users), len(stars), channels, len(messages))
	}
	for _, c := range ratingsChannels {
		if !channels[c] {
			t.Errorf("channel %q never seen", c)
		}
	}
	if len(routes) < 3000 {
		t.Errorf("only %d distinct route ids", len(routes))
	}
	var names []string
	for _, f := range recs[0].ValueSchema.Fields {
		names = append(names, f.Name+":"+f.Schema.Type.String())
		if f.Schema.Optional {
			t.Errorf("field %s optional", f.Name)
		}
	}
	if got := strings.Join(names, ","); got != "rating_id:int64,user_id:int32,stars:int32,route_id:int32,rating_time:int64,channel:string,message:string" {
		t.Errorf("fields %s", got)
	}
}

func TestKeyField(t *testing.T) {
	task, _ := startTask(t, props("schema.keyfield", "channel"), nil)
	for _, r := range poll(t, task, 20) {
		if r.KeySchema != data.StringSchema || r.Key != r.Value.(*data.Struct).RawIndex(5) {
			t.Fatalf("key %v %v", r.KeySchema, r.Key)
		}
	}
}

// TestRestore checks that a task started from a stored offset continues
// exactly where the previous lifetime stopped, whatever numeric kind the
// store returns.
func TestRestore(t *testing.T) {
	first, _ := startTask(t, props("random.seed", "9"), nil)
	all := poll(t, first, 200)
	last := all[99].SourceOffset
	seed := last["random.seed"].(int64)
	stored := map[string][]map[string]any{
		"int64":   {{"task.generation": int64(1), "current.iteration": int64(100), "random.seed": seed}},
		"float64": {{"task.generation": float64(1), "current.iteration": float64(100), "random.seed": float64(seed)}},
		"json":    {{"task.generation": json.Number("1"), "current.iteration": json.Number("100"), "random.seed": json.Number(strconv.FormatInt(seed, 10))}},
	}
	for name, offs := range stored {
		t.Run(name, func(t *testing.T) {
			// A different configured seed must not matter: the stored one wins.
			task, _ := startTask(t, props("random.seed", "12345"), offs[0])
			recs := poll(t, task, 100)
			if recs[0].Value.(*data.Struct).RawIndex(0) != int64(101) {
				t.Fatalf("restart began at rating_id %v", recs[0].Value.(*data.Struct).RawIndex(0))
			}
			// A float64 store keeps only 53 bits of the seed; the
			// sequence then differs, though the counters still continue.
			if name != "float64" || int64(float64(seed)) == seed {
				if strings.Join(values(recs), "\n") != strings.Join(values(all[100:]), "\n") {
					t.Fatal("restart did not continue the sequence")
				}
			}
			h := recs[0].Headers
			if h[0].Value != int64(1) || h[2].Value != int64(100) {
				t.Fatalf("headers after restart %v", h)
			}
			if recs[0].SourceOffset["task.generation"] != int64(2) || recs[0].SourceOffset["current.iteration"] != int64(101) {
				t.Fatalf("offset after restart %v", recs[0].SourceOffset)
			}
		})
	}
	bad := map[string]any{"task.generation": "x", "current.iteration": int64(1), "random.seed": int64(1)}
	if _, _, err := startTaskErr2(props(), bad); err == nil || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("bad stored offset: %v", err)
	}
}

func startTaskErr2(p map[string]string, stored map[string]any) (*Task, *fakeCtx, error) {
	tc := &fakeCtx{props: p, stored: stored}
	task := &Task{}
	return task, tc, task.Start(context.Background(), tc, p)
}

func TestIterations(t *testing.T) {
	task, _ := startTask(t, props("iterations", "1500"), nil)
	got := 0
	for {
		recs, err := task.Poll(context.Background())
		if err != nil {
			if got != 1500 || err.Error() != "Stopping connector: generated the configured 1500 number of messages" {
				t.Fatalf("after %d records: %v", got, err)
			}
			break
		}
		got += len(recs)
		if got > 1500 {
			t.Fatalf("produced %d records", got)
		}
	}
	// Restored records count towards the limit.
	task, _ = startTask(t, props("iterations", "10"), map[string]any{"task.generation": int64(3), "current.iteration": int64(8), "random.seed": int64(5)})
	recs, err := task.Poll(context.Background())
	if err != nil || len(recs) != 2 {
		t.Fatalf("restored poll: %d %v", len(recs), err)
	}
	if _, err := task.Poll(context.Background()); err == nil || !strings.Contains(err.Error(), "configured 10 number") {
		t.Fatalf("want limit error, got %v", err)
	}
}

func TestPollInterval(t *testing.T) {
	task, _ := startTask(t, props("max.interval", "1"), nil)
	for range 5 {
		recs, err := task.Poll(context.Background())
		if err != nil || len(recs) != 1 {
			t.Fatalf("poll with interval: %d %v", len(recs), err)
		}
	}
}

func TestPollCancel(t *testing.T) {
	task, _ := startTask(t, props("max.interval", "3600000"), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		recs, err := task.Poll(ctx)
		if err == nil && len(recs) != 0 {
			err = errors.New("records returned after cancel")
		}
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Poll did not return after cancel")
	}
}

func BenchmarkPollRatings(b *testing.B) {
	task, _ := startTask(b, props("random.seed", "1"), nil)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		recs, err := task.Poll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		n += len(recs)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)/float64(b.N), "records/op")
}
