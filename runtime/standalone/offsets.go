package standalone

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
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/offsetstore"
	"github.com/goconnect/goconnect/runtime/status"
)

// Keys of sink connector offsets, as Connect's SinkUtils names them.
const (
	kafkaTopic     = "kafka_topic"
	kafkaPartition = "kafka_partition"
	kafkaOffset    = "kafka_offset"
)

func sinkGroup(name string) string { return "connect-" + name }

// Offsets returns a source connector's stored offsets, or a sink
// connector's committed consumer group offsets.
func (h *Herder) Offsets(ctx context.Context, name string) ([]ConnectorOffset, error) {
	cs, ok := h.state(name)
	if !ok {
		return nil, errorf(ErrNotFound, "Connector %s not found", name)
	}
	if cs.parsed.Plugin.Type == connect.TypeSink {
		return h.sinkOffsets(ctx, name)
	}
	stored, err := h.w.Offsets().List(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("reading offsets of connector %s: %w", name, err)
	}
	out := make([]ConnectorOffset, 0, len(stored))
	for _, o := range stored {
		if o.Offset != nil {
			out = append(out, ConnectorOffset{Partition: o.Partition, Offset: o.Offset})
		}
	}
	return out, nil
}

func (h *Herder) sinkOffsets(ctx context.Context, name string) ([]ConnectorOffset, error) {
	adm, err := h.admin.get()
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

// checkStopped enforces KIP-875's precondition; callers hold h.ops.
func (h *Herder) checkStopped(name string) (*connState, error) {
	cs, ok := h.state(name)
	if !ok {
		return nil, errorf(ErrNotFound, "Connector %s not found", name)
	}
	if cs.target != status.TargetStopped || h.w.TaskCount(name) != 0 {
		return nil, errorf(ErrBadRequest, "Connectors must be in the STOPPED state before their offsets can be modified. "+
			"This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint", name)
	}
	return cs, nil
}

// AlterOffsets writes the given offsets of a STOPPED connector and returns
// Connect's success message.
func (h *Herder) AlterOffsets(ctx context.Context, name string, offsets []ConnectorOffset) (string, error) {
	if len(offsets) == 0 {
		return "", errorf(ErrBadRequest, "Partitions / offsets need to be provided for an alter offsets request")
	}
	h.ops.Lock()
	defer h.ops.Unlock()
	cs, err := h.checkStopped(name)
	if err != nil {
		return "", err
	}
	var managed bool
	if cs.parsed.Plugin.Type == connect.TypeSink {
		managed, err = h.alterSinkOffsets(ctx, name, cs, offsets)
	} else {
		managed, err = h.alterSourceOffsets(ctx, name, cs, offsets)
	}
	if err != nil {
		return "", err
	}
	return successMessage(managed, "altered"), nil
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
func connectorAlter(name string, cs *connState, offsets []ConnectorOffset) (bool, error) {
	alt, ok := cs.parsed.Plugin.New().(connect.OffsetsAlterer)
	if !ok {
		return false, nil
	}
	change := make([]connect.PartitionOffset, len(offsets))
	for i, o := range offsets {
		change[i] = connect.PartitionOffset{Partition: o.Partition, Offset: o.Offset}
	}
	managed, err := alt.AlterOffsets(herder.CopyProps(cs.props), change)
	if errors.Is(err, connect.ErrOffsetsUnsupported) {
		return false, fmt.Errorf("Failed to modify offsets for connector %s because it doesn't support external modification of offsets", name)
	}
	if err != nil {
		return false, &Error{Kind: ErrBadRequest, Msg: err.Error(), Cause: err}
	}
	return managed, nil
}

// ResetOffsets removes every offset of a STOPPED connector.
func (h *Herder) ResetOffsets(ctx context.Context, name string) (string, error) {
	h.ops.Lock()
	defer h.ops.Unlock()
	cs, err := h.checkStopped(name)
	if err != nil {
		return "", err
	}
	var managed bool
	if cs.parsed.Plugin.Type == connect.TypeSink {
		managed, err = h.resetSinkOffsets(ctx, name, cs)
	} else {
		managed, err = h.resetSourceOffsets(ctx, name, cs)
	}
	if err != nil {
		return "", err
	}
	return successMessage(managed, "reset"), nil
}

func (h *Herder) alterSourceOffsets(ctx context.Context, name string, cs *connState, offsets []ConnectorOffset) (bool, error) {
	puts := make([]offsetstore.Offset, 0, len(offsets))
	change := make([]ConnectorOffset, 0, len(offsets))
	for _, o := range offsets {
		if o.Partition == nil {
			return false, errorf(ErrBadRequest, "The partition for a source connector offset cannot be null or missing")
		}
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
	managed, err := connectorAlter(name, cs, change)
	if err != nil {
		return false, err
	}
	if err := h.w.Offsets().Put(ctx, name, puts); err != nil {
		return false, fmt.Errorf("writing offsets of connector %s: %w", name, err)
	}
	return managed, nil
}

func (h *Herder) resetSourceOffsets(ctx context.Context, name string, cs *connState) (bool, error) {
	stored, err := h.w.Offsets().List(ctx, name)
	if err != nil {
		return false, fmt.Errorf("reading offsets of connector %s: %w", name, err)
	}
	change := make([]ConnectorOffset, len(stored))
	for i := range stored {
		stored[i].Offset = nil
		change[i] = ConnectorOffset{Partition: stored[i].Partition}
	}
	managed, err := connectorAlter(name, cs, change)
	if err != nil {
		return false, err
	}
	if len(stored) > 0 {
		if err := h.w.Offsets().Put(ctx, name, stored); err != nil {
			return false, fmt.Errorf("resetting offsets of connector %s: %w", name, err)
		}
	}
	return managed, nil
}

// primitiveMap checks Connect's offset format (string keys, primitive
// values) and turns JSON numbers into int64 or float64.
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
				return nil, errorf(ErrBadRequest, "Offsets may only contain primitive types as values, but field %s contains %s", k, x)
			}
		case map[string]any:
			return nil, errorf(ErrBadRequest, "Offsets may only contain primitive types as values, but field %s contains MAP", k)
		case []any:
			return nil, errorf(ErrBadRequest, "Offsets may only contain primitive types as values, but field %s contains ARRAY", k)
		default:
			out[k] = v
		}
	}
	return out, nil
}

func (h *Herder) alterSinkOffsets(ctx context.Context, name string, cs *connState, offsets []ConnectorOffset) (bool, error) {
	commit := kadm.Offsets{}
	var reset kadm.TopicsSet
	var change []ConnectorOffset
	for _, o := range offsets {
		if o.Partition == nil {
			return false, errorf(ErrBadRequest, "The partition for a sink connector offset cannot be null or missing")
		}
		t, tok := o.Partition[kafkaTopic]
		p, pok := o.Partition[kafkaPartition]
		if !tok || !pok {
			return false, errorf(ErrBadRequest, "The partition for a sink connector offset must contain the keys '%s' and '%s'", kafkaTopic, kafkaPartition)
		}
		topic := javaString(t)
		part, err := strconv.ParseInt(javaString(p), 10, 32)
		if err != nil {
			return false, errorf(ErrBadRequest, "Failed to parse the following Kafka partition value in the provided offsets: '%s'. "+
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
			return false, errorf(ErrBadRequest, "The offset for a sink connector should either be null or contain the key '%s'", kafkaOffset)
		}
		off, err := strconv.ParseInt(javaString(v), 10, 64)
		if err != nil {
			return false, errorf(ErrBadRequest, "Failed to parse the following Kafka offset value in the provided offsets: '%s'. "+
				"Offset values for sink connectors need to be integers.", javaString(v))
		}
		commit.Add(kadm.Offset{Topic: topic, Partition: int32(part), At: off, LeaderEpoch: -1})
		change = append(change, ConnectorOffset{Partition: tp, Offset: map[string]any{kafkaOffset: off}})
	}
	managed, err := connectorAlter(name, cs, change)
	if err != nil {
		return false, err
	}
	adm, err := h.admin.get()
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
func (h *Herder) resetSinkOffsets(ctx context.Context, name string, cs *connState) (bool, error) {
	current, err := h.sinkOffsets(ctx, name)
	if err != nil {
		return false, err
	}
	for i := range current {
		current[i].Offset = nil
	}
	managed, err := connectorAlter(name, cs, current)
	if err != nil {
		return false, err
	}
	adm, err := h.admin.get()
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
