// Package datagen is Confluent's datagen source connector
// (io.confluent.kafka.connect.datagen.DatagenConnector) for its ratings
// quickstart: the same fields, ranges, keys, headers and source offsets,
// so a restart continues the sequence.
package datagen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/connect/data"
)

// Class is the Java class name users configure.
const Class = "io.confluent.kafka.connect.datagen.DatagenConnector"

// Version is the datagen release whose behaviour this follows, marked as ours.
const Version = "0.6.5-goconnect"

const (
	keyTopic      = "kafka.topic"
	keyQuickstart = "quickstart"
	keySchemaStr  = "schema.string"
	keySchemaFile = "schema.filename"
	keyKeyField   = "schema.keyfield"
	keyMaxInt     = "max.interval"
	keyIterations = "iterations"
	keySeed       = "random.seed"
	keyTaskID     = "task.id"

	offTaskGeneration   = "task.generation"
	offCurrentIteration = "current.iteration"
	offRandomSeed       = "random.seed"

	// batchSize bounds a poll when there is no interval between records.
	batchSize = 1000
)

// Desc registers the connector.
func Desc() connect.PluginDesc {
	return connect.PluginDesc{Class: Class, Type: connect.TypeSource, Version: Version, New: func() any { return &Connector{} },
		TaskClass: "io.confluent.kafka.connect.datagen.DatagenTask"}
}

func configDef() *config.Def {
	return config.NewDef().
		Define(config.Key{Name: keyTopic, Type: config.TypeString, Required: true, Validator: config.NonEmpty(), Importance: config.High, Doc: "Topic to write to"}).
		Define(config.Key{Name: keyMaxInt, Type: config.TypeLong, Default: "500", Importance: config.High, Doc: "Max interval between messages (ms)"}).
		Define(config.Key{Name: keyIterations, Type: config.TypeInt, Default: "-1", Importance: config.High, Doc: "Number of messages to send from each task, or less than 1 for unlimited"}).
		Define(config.Key{Name: keySchemaStr, Type: config.TypeString, Importance: config.High, Doc: "The literal JSON-encoded Avro schema to use"}).
		Define(config.Key{Name: keySchemaFile, Type: config.TypeString, Importance: config.High, Doc: "Filename of schema to use"}).
		Define(config.Key{Name: keyKeyField, Type: config.TypeString, Importance: config.High, Doc: "Name of field to use as the message key"}).
		Define(config.Key{Name: keyQuickstart, Type: config.TypeString, Importance: config.High, Doc: "Name of quickstart to use"}).
		Define(config.Key{Name: keySeed, Type: config.TypeLong, Importance: config.Low, Doc: "The seed for the random number generator"})
}

// settings are the parsed connector keys.
type settings struct {
	topic       string
	qs          *quickstart
	keyField    data.Field
	maxInterval time.Duration
	iterations  int64
	seed        *int64
}

// parse checks the keys and their combinations; errors name the key.
func parse(props map[string]string) (*settings, error) {
	v, err := configDef().Parse(props)
	if err != nil {
		return nil, err
	}
	msgs := crossCheck(props)
	for _, k := range []string{keyQuickstart, keySchemaStr, keySchemaFile, keyKeyField} {
		if len(msgs[k]) > 0 {
			return nil, &config.Error{Key: k, Value: props[k], Message: msgs[k][0]}
		}
	}
	qs := ratingsQuickstart()
	kf := strings.TrimSpace(v.String(keyKeyField))
	if kf == "" {
		kf = qs.defaultKey
	}
	field, _ := qs.schema.Field(kf)
	st := &settings{topic: v.String(keyTopic), qs: qs, keyField: field,
		maxInterval: time.Duration(v.Long(keyMaxInt)) * time.Millisecond, iterations: int64(v.Int(keyIterations))}
	if v.Get(keySeed) != nil {
		seed := v.Long(keySeed)
		st.seed = &seed
	}
	return st, nil
}

// crossCheck validates the keys that depend on each other.
func crossCheck(props map[string]string) map[string][]string {
	out := map[string][]string{}
	qs, str, file := strings.TrimSpace(props[keyQuickstart]), strings.TrimSpace(props[keySchemaStr]), strings.TrimSpace(props[keySchemaFile])
	set := 0
	for _, s := range []string{qs, str, file} {
		if s != "" {
			set++
		}
	}
	switch {
	case set != 1:
		out[keyQuickstart] = append(out[keyQuickstart], "Must set exactly one of quickstart, schema.string or schema.filename")
	case str != "":
		out[keySchemaStr] = append(out[keySchemaStr], "schema.string is not supported by goconnect yet; use quickstart=ratings")
	case file != "":
		out[keySchemaFile] = append(out[keySchemaFile], "schema.filename is not supported by goconnect yet; use quickstart=ratings")
	case !strings.EqualFold(qs, "ratings"):
		out[keyQuickstart] = append(out[keyQuickstart], fmt.Sprintf("quickstart %q is not supported by goconnect yet; supported: ratings", qs))
	}
	if kf := strings.TrimSpace(props[keyKeyField]); kf != "" {
		if _, ok := ratingsQuickstart().schema.Field(kf); !ok {
			out[keyKeyField] = append(out[keyKeyField], fmt.Sprintf("Field %q does not exist in the schema", kf))
		}
	}
	return out
}

// Connector is the datagen source connector.
type Connector struct{ props map[string]string }

// Version implements connect.Connector.
func (*Connector) Version() string { return Version }

// ConfigDef implements connect.Connector.
func (*Connector) ConfigDef() *config.Def { return configDef() }

// Validate implements connect.Validator.
func (*Connector) Validate(props map[string]string) map[string][]string { return crossCheck(props) }

// Start implements connect.Connector.
func (c *Connector) Start(_ context.Context, props map[string]string) error {
	if _, err := parse(props); err != nil {
		return fmt.Errorf("datagen connector: %w", err)
	}
	c.props = props
	return nil
}

// TaskConfigs implements connect.Connector: every task runs its own
// generator, numbered by task.id.
func (c *Connector) TaskConfigs(maxTasks int) ([]map[string]string, error) {
	out := make([]map[string]string, maxTasks)
	for i := range out {
		tc := make(map[string]string, len(c.props)+1)
		for k, v := range c.props {
			tc[k] = v
		}
		tc[keyTaskID] = strconv.Itoa(i)
		out[i] = tc
	}
	return out, nil
}

// Stop implements connect.Connector.
func (*Connector) Stop() error { return nil }

// NewTask implements connect.SourceConnector.
func (*Connector) NewTask() connect.SourceTask { return &Task{} }

// Task generates records.
type Task struct {
	s          *settings
	taskID     int64
	generation int64
	count      int64
	rnd        *javaRandom
	jitter     *rand.Rand
	partition  map[string]any
	headerGen  connect.Header
	headerTask connect.Header
	// boxedCount is t.count as an interface, or nil before the first record.
	boxedCount any
}

// Start implements connect.SourceTask: it restores the generation, the
// record count and the generator seed from the stored offset.
func (t *Task) Start(ctx context.Context, tc connect.SourceTaskContext, props map[string]string) error {
	s, err := parse(props)
	if err != nil {
		return fmt.Errorf("datagen task: %w", err)
	}
	t.s = s
	id, err := strconv.ParseInt(props[keyTaskID], 10, 32)
	if err != nil {
		return fmt.Errorf("datagen task: bad %s %q: %w", keyTaskID, props[keyTaskID], err)
	}
	t.taskID = id
	t.partition = map[string]any{keyTaskID: id}
	if s.seed != nil {
		t.rnd = newJavaRandom(*s.seed)
		// Each task advances the seeded generator by its id so tasks
		// generate different data deterministically.
		for i := int64(0); i < id; i++ {
			t.rnd.setSeed(t.rnd.nextLong())
		}
	} else {
		t.rnd = newJavaRandom(rand.Int64())
	}
	// The sleep jitter needs no determinism (datagen uses Math.random for
	// it), so it gets its own source and leaves the data sequence alone.
	t.jitter = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	off, err := tc.Offsets().Offset(ctx, t.partition)
	if err != nil {
		return fmt.Errorf("datagen task %d: reading stored offset: %w", id, err)
	}
	if off != nil {
		// The stored offset is the state to continue from.
		gen, err1 := asInt64(off[offTaskGeneration])
		count, err2 := asInt64(off[offCurrentIteration])
		seed, err3 := asInt64(off[offRandomSeed])
		if err := errors.Join(err1, err2, err3); err != nil {
			return fmt.Errorf("datagen task %d: stored offset %v is not datagen's: %w", id, off, err)
		}
		t.generation, t.count = gen, count
		t.rnd.setSeed(seed)
	}
	t.boxedCount = nil
	t.headerGen = connect.Header{Key: offTaskGeneration, Schema: data.Int64Schema, Value: t.generation}
	t.headerTask = connect.Header{Key: keyTaskID, Schema: data.Int64Schema, Value: t.taskID}
	return nil
}

// asInt64 accepts the numeric forms an offset store may hand back.
func asInt64(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int8:
		return int64(x), nil
	case float32:
		return asInt64(float64(x))
	case float64:
		if x != math.Trunc(x) {
			return 0, fmt.Errorf("%v is not an integer", x)
		}
		return int64(x), nil
	case json.Number:
		return x.Int64()
	}
	return 0, fmt.Errorf("%v (%T) is not a number", v, v)
}

// Poll implements connect.SourceTask. With a max.interval it sleeps a
// uniform random time below it and returns one record, as datagen does;
// without one it returns a batch.
func (t *Task) Poll(ctx context.Context) ([]connect.SourceRecord, error) {
	n := batchSize
	if t.s.maxInterval > 0 {
		n = 1
		wait := time.Duration(t.jitter.Int64N(int64(t.s.maxInterval)))
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, nil
		case <-timer.C:
		}
	}
	if t.s.iterations > 0 {
		if t.count >= t.s.iterations {
			// Datagen's exact message (capitalised), so logs and the
			// FAILED task trace read the same as with the Java plugin.
			return nil, fmt.Errorf("Stopping connector: generated the configured %d number of messages", t.count)
		}
		n = int(min(int64(n), t.s.iterations-t.count))
	}
	recs := make([]connect.SourceRecord, n)
	// One backing array holds the headers of the whole batch.
	hdrs := make(connect.Headers, 3*n)
	for i := range recs {
		recs[i] = t.next(hdrs[3*i : 3*i+3 : 3*i+3])
	}
	return recs, nil
}

// next builds the record at index t.count into hdr (len 3) and advances
// the state.
func (t *Task) next(hdr connect.Headers) connect.SourceRecord {
	// rating_id, the offset's current.iteration and the next record's
	// current.iteration header are the same number: box it once.
	next := any(t.count + 1)
	if t.boxedCount == nil {
		t.boxedCount = t.count
	}
	value := t.s.qs.generate(t.rnd, t.count, next)
	// Re-seed per record so the offset can carry the generator state.
	seed := t.rnd.nextLong()
	t.rnd.setSeed(seed)
	// As datagen: the offset is the state the next task lifetime restores,
	// i.e. the next generation, the count including this record, and the
	// seed just set for the next record.
	offset := map[string]any{
		offTaskGeneration:   t.generation + 1,
		offCurrentIteration: next,
		offRandomSeed:       seed,
	}
	key := value.RawIndex(t.s.keyField.Index)
	rec := connect.NewSourceRecord(t.partition, offset, t.s.topic, t.s.keyField.Schema, key, t.s.qs.schema, value)
	hdr[0], hdr[1] = t.headerGen, t.headerTask
	hdr[2] = connect.Header{Key: offCurrentIteration, Schema: data.Int64Schema, Value: t.boxedCount}
	rec.Headers = hdr
	t.count++
	t.boxedCount = next
	return rec
}

// Stop implements connect.SourceTask.
func (*Task) Stop() error { return nil }
