package herder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/offsetstore"
)

// OffsetOps reads and changes a connector's offsets for the offsets
// endpoints (KIP-875): source offsets in Store, sink offsets in the
// consumer group connect-<name>. Callers check the connector is STOPPED.
type OffsetOps struct {
	Admin func() (*kadm.Client, error)
	Store offsetstore.Store
}

// List returns a source connector's stored offsets, or a sink
// connector's committed consumer group offsets.
func (o OffsetOps) List(ctx context.Context, name string, p *connectorconfig.Parsed) ([]ConnectorOffset, error) {
	if p.Plugin.Type == connect.TypeSink {
		return o.sinkOffsets(ctx, name)
	}
	stored, err := o.Store.List(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("reading offsets of connector %s: %w", name, err)
	}
	out := make([]ConnectorOffset, 0, len(stored))
	for _, s := range stored {
		// A null partition is written (see alterSourceOffsets) but, as
		// Connect's connectorPartitions skips it, never listed.
		if s.Offset != nil && s.Partition != nil {
			out = append(out, ConnectorOffset{Partition: s.Partition, Offset: s.Offset})
		}
	}
	return out, nil
}

// Alter writes the given offsets and returns Connect's success message.
func (o OffsetOps) Alter(ctx context.Context, name string, p *connectorconfig.Parsed, offsets []ConnectorOffset) (string, error) {
	if len(offsets) == 0 {
		return "", Errorf(ErrBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
	}
	var managed bool
	var err error
	if p.Plugin.Type == connect.TypeSink {
		managed, err = o.alterSinkOffsets(ctx, name, p, offsets)
	} else {
		managed, err = o.alterSourceOffsets(ctx, name, p, offsets)
	}
	if err != nil {
		return "", err
	}
	return successMessage(managed, "altered"), nil
}

// Reset removes every offset and returns Connect's success message.
func (o OffsetOps) Reset(ctx context.Context, name string, p *connectorconfig.Parsed) (string, error) {
	var managed bool
	var err error
	if p.Plugin.Type == connect.TypeSink {
		managed, err = o.resetSinkOffsets(ctx, name, p)
	} else {
		managed, err = o.resetSourceOffsets(ctx, name, p)
	}
	if err != nil {
		return "", err
	}
	return successMessage(managed, "reset"), nil
}

// NotStopped is KIP-875's refusal to change offsets of a running connector.
func NotStopped(name string) error {
	return Errorf(ErrBadRequest, "Connectors must be in the STOPPED state before their offsets can be modified. "+
		"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
}

// Keys of sink connector offsets, as Connect's SinkUtils names them.
const (
	kafkaTopic     = "kafka_topic"
	kafkaPartition = "kafka_partition"
	kafkaOffset    = "kafka_offset"
)

func sinkGroup(name string) string { return "connect-" + name }

func (o OffsetOps) sinkOffsets(ctx context.Context, name string) ([]ConnectorOffset, error) {
	adm, err := o.Admin()
	if err != nil {
		return nil, err
	}
	resps, err := adm.FetchOffsets(ctx, sinkGroup(name))
	if errors.Is(err, kerr.GroupIDNotFound) {
		return nil, nil // no group: nothing committed
	}
	if err != nil {
		return nil, fmt.Errorf("fetching offsets of consumer group %s: %w", sinkGroup(name), err)
	}
	if err := resps.Error(); err != nil {
		return nil, fmt.Errorf("fetching offsets of consumer group %s: %w", sinkGroup(name), err)
	}
	var out []ConnectorOffset
	resps.Each(func(o kadm.OffsetResponse) {
		if o.At < 0 {
			return
		}
		out = append(out, ConnectorOffset{
			Partition: map[string]any{kafkaTopic: o.Topic, kafkaPartition: int64(o.Partition)},
			Offset:    map[string]any{kafkaOffset: o.At},
		})
	})
	sort.Slice(out, func(i, j int) bool {
		ti, tj := out[i].Partition[kafkaTopic].(string), out[j].Partition[kafkaTopic].(string)
		if ti != tj {
			return ti < tj
		}
		return out[i].Partition[kafkaPartition].(int64) < out[j].Partition[kafkaPartition].(int64)
	})
	return out, nil
}

// successMessage is Connect's answer to an offsets change; managed tells
// whether the connector's AlterOffsets said it handled the change.
func successMessage(managed bool, verb string) string {
	if managed {
		return "The offsets for this connector have been " + verb + " successfully"
	}
	manual := "altered"
	if verb == "reset" {
		manual = "reset"
	}
	return "The Connect framework-managed offsets for this connector have been " + verb + " successfully. " +
		"However, if this connector manages offsets externally, they will need to be manually " + manual + " in the system that the connector uses."
}

// connectorAlter lets a connector implementing connect.OffsetsAlterer
// check or apply an offsets change before the framework writes it.
func connectorAlter(name string, p *connectorconfig.Parsed, offsets []ConnectorOffset) (bool, error) {
	alt, ok := p.Plugin.New().(connect.OffsetsAlterer)
	if !ok {
		return false, nil
	}
	change := make([]connect.PartitionOffset, len(offsets))
	for i, o := range offsets {
		change[i] = connect.PartitionOffset{Partition: o.Partition, Offset: o.Offset}
	}
	managed, err := alt.AlterOffsets(CopyProps(p.Props), change)
	if errors.Is(err, connect.ErrOffsetsUnsupported) {
		return false, fmt.Errorf("Failed to modify offsets for connector %s because it doesn't support external modification of offsets", name)
	}
	if err != nil {
		// Connect answers a connector's refusal (a ConnectException) with
		// 500 and the connector's own message.
		return false, &Error{Kind: ErrServer, Msg: err.Error(), Cause: err}
	}
	return managed, nil
}

func (o OffsetOps) alterSourceOffsets(ctx context.Context, name string, p *connectorconfig.Parsed, offsets []ConnectorOffset) (bool, error) {
	puts := make([]offsetstore.Offset, 0, len(offsets))
	change := make([]ConnectorOffset, 0, len(offsets))
	for _, o := range offsets {
		// A null or missing partition is not refused: Connect writes it
		// (key [name,null]) and answers 200, checked on Connect 4.1.1.
		part, err := primitiveMap(o.Partition)
		if err != nil {
			return false, err
		}
		off, err := primitiveMap(o.Offset)
		if err != nil {
			return false, err
		}
		puts = append(puts, offsetstore.Offset{Partition: part, Offset: off})
		change = append(change, ConnectorOffset{Partition: part, Offset: off})
	}
	managed, err := connectorAlter(name, p, change)
	if err != nil {
		return false, err
	}
	if err := o.Store.Put(ctx, name, puts); err != nil {
		return false, fmt.Errorf("writing offsets of connector %s: %w", name, err)
	}
	return managed, nil
}

func (o OffsetOps) resetSourceOffsets(ctx context.Context, name string, p *connectorconfig.Parsed) (bool, error) {
	stored, err := o.Store.List(ctx, name)
	if err != nil {
		return false, fmt.Errorf("reading offsets of connector %s: %w", name, err)
	}
	// Connect resets the partitions it lists, which leaves null ones out.
	kept := stored[:0]
	for _, s := range stored {
		if s.Partition != nil {
			kept = append(kept, s)
		}
	}
	stored = kept
	change := make([]ConnectorOffset, len(stored))
	for i := range stored {
		stored[i].Offset = nil
		change[i] = ConnectorOffset{Partition: stored[i].Partition}
	}
	managed, err := connectorAlter(name, p, change)
	if err != nil {
		return false, err
	}
	if len(stored) > 0 {
		if err := o.Store.Put(ctx, name, stored); err != nil {
			return false, fmt.Errorf("resetting offsets of connector %s: %w", name, err)
		}
	}
	return managed, nil
}

// primitiveMap checks Connect's offset format (string keys, primitive
// values) and turns JSON numbers into int64 or float64. Connect checks it
// in the worker (OffsetUtils.validateFormat), so a refusal is a 500.
func primitiveMap(m map[string]any) (map[string]any, error) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch x := v.(type) {
		case json.Number:
			if i, err := x.Int64(); err == nil {
				out[k] = i
			} else if f, err := x.Float64(); err == nil {
				out[k] = f
			} else {
				return nil, Errorf(ErrServer, "Offsets may only contain primitive types as values, but field %s contains %s", k, x)
			}
		case map[string]any:
			return nil, Errorf(ErrServer, "Offsets may only contain primitive types as values, but field %s contains MAP", k)
		case []any:
			return nil, Errorf(ErrServer, "Offsets may only contain primitive types as values, but field %s contains ARRAY", k)
		default:
			out[k] = v
		}
	}
	return out, nil
}

func (o OffsetOps) alterSinkOffsets(ctx context.Context, name string, p *connectorconfig.Parsed, offsets []ConnectorOffset) (bool, error) {
	commit := kadm.Offsets{}
	var reset kadm.TopicsSet
	var change []ConnectorOffset
	for _, o := range offsets {
		if o.Partition == nil {
			return false, Errorf(ErrBadRequest, "The partition for a sink connector offset cannot be null or missing")
		}
		t, tok := o.Partition[kafkaTopic]
		p, pok := o.Partition[kafkaPartition]
		if !tok || !pok {
			return false, Errorf(ErrBadRequest, "The partition for a sink connector offset must contain the keys '%s' and '%s'", kafkaTopic, kafkaPartition)
		}
		topic := javaString(t)
		part, err := strconv.ParseInt(javaString(p), 10, 32)
		if err != nil {
			return false, Errorf(ErrBadRequest, "Failed to parse the following Kafka partition value in the provided offsets: '%s'. "+
				"Partition values for sink connectors need to be integers.", javaString(p))
		}
		tp := map[string]any{kafkaTopic: topic, kafkaPartition: part}
		if o.Offset == nil {
			reset.Add(topic, int32(part))
			change = append(change, ConnectorOffset{Partition: tp})
			continue
		}
		v, ok := o.Offset[kafkaOffset]
		if !ok {
			return false, Errorf(ErrBadRequest, "The offset for a sink connector should either be null or contain the key '%s'", kafkaOffset)
		}
		off, err := strconv.ParseInt(javaString(v), 10, 64)
		if err != nil {
			return false, Errorf(ErrBadRequest, "Failed to parse the following Kafka offset value in the provided offsets: '%s'. "+
				"Offset values for sink connectors need to be integers.", javaString(v))
		}
		commit.Add(kadm.Offset{Topic: topic, Partition: int32(part), At: off, LeaderEpoch: -1})
		change = append(change, ConnectorOffset{Partition: tp, Offset: map[string]any{kafkaOffset: off}})
	}
	managed, err := connectorAlter(name, p, change)
	if err != nil {
		return false, err
	}
	adm, err := o.Admin()
	if err != nil {
		return false, err
	}
	group := sinkGroup(name)
	if len(commit) > 0 {
		resps, err := adm.CommitOffsets(ctx, group, commit)
		if err == nil {
			err = resps.Error()
		}
		if err != nil {
			return false, fmt.Errorf("Failed to alter consumer group offsets for connector %s: %w", name, err)
		}
	}
	if len(reset) > 0 {
		resps, err := adm.DeleteOffsets(ctx, group, reset)
		if err == nil {
			err = resps.Error()
		}
		if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
			return false, fmt.Errorf("Failed to delete consumer group offsets for connector %s: %w", name, err)
		}
	}
	return managed, nil
}

// resetSinkOffsets deletes the connector's consumer group; a missing
// group counts as success.
func (o OffsetOps) resetSinkOffsets(ctx context.Context, name string, p *connectorconfig.Parsed) (bool, error) {
	current, err := o.sinkOffsets(ctx, name)
	if err != nil {
		return false, err
	}
	for i := range current {
		current[i].Offset = nil
	}
	managed, err := connectorAlter(name, p, current)
	if err != nil {
		return false, err
	}
	adm, err := o.Admin()
	if err != nil {
		return false, err
	}
	_, err = adm.DeleteGroup(ctx, sinkGroup(name))
	switch {
	case err == nil, errors.Is(err, kerr.GroupIDNotFound):
		return managed, nil
	case errors.Is(err, kerr.NonEmptyGroup):
		return false, fmt.Errorf("Failed to reset offsets for connector %s: consumer group %s still has active members; "+
			"the connector's tasks may still be running: %w", name, sinkGroup(name), err)
	}
	return false, fmt.Errorf("Failed to reset offsets for connector %s: deleting consumer group %s: %w", name, sinkGroup(name), err)
}

// javaString renders a JSON value as Java's String.valueOf would.
func javaString(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return fmt.Sprint(v)
}
