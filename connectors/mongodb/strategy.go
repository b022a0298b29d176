package mongodb

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// errData marks a record that cannot be written (Java's DataException);
// it is handled per the error tolerance, never retried.
var errData = errors.New("data error")

func dataErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errData, fmt.Sprintf(format, a...))
}

// idStrategy produces a document's `_id` (Java's IdStrategy).
type idStrategy interface {
	id(d *sinkDoc) (any, error)
	// fromKey says whether the id comes from the key alone, which makes
	// tombstone deletes possible.
	fromKey() bool
}

type oidStrategy struct{}

func (oidStrategy) id(*sinkDoc) (any, error) { return bson.NewObjectID(), nil }
func (oidStrategy) fromKey() bool            { return false }

type uuidStrategy struct{ binary bool }

func (u uuidStrategy) id(*sinkDoc) (any, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("generating a UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	if u.binary {
		return bson.Binary{Subtype: bson.TypeBinaryUUID, Data: b[:]}, nil
	}
	return uuidString(b[:]), nil
}
func (uuidStrategy) fromKey() bool { return false }

func uuidString(b []byte) string {
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

type kafkaMetaStrategy struct{}

func (kafkaMetaStrategy) id(d *sinkDoc) (any, error) {
	return fmt.Sprintf("%s#%d#%d", d.rec.Topic, d.rec.Partition, d.rec.KafkaOffset), nil
}
func (kafkaMetaStrategy) fromKey() bool { return false }

type fullKeyStrategy struct{}

func (fullKeyStrategy) id(d *sinkDoc) (any, error) {
	k, err := d.keyDoc()
	if err != nil || k == nil {
		return bson.D{}, err
	}
	return cloneDoc(k), nil
}
func (fullKeyStrategy) fromKey() bool { return true }

type partialStrategy struct {
	p     *projection
	onKey bool
}

func (s partialStrategy) id(d *sinkDoc) (any, error) {
	src := d.value
	if s.onKey {
		k, err := d.keyDoc()
		if err != nil {
			return nil, err
		}
		src = k
	}
	if src == nil {
		return bson.D{}, nil
	}
	if s.p == nil {
		return cloneDoc(src), nil
	}
	return s.p.apply(cloneDoc(src), false), nil
}
func (s partialStrategy) fromKey() bool { return s.onKey }

type providedStrategy struct {
	inKey, uuid bool
}

func (s providedStrategy) id(d *sinkDoc) (any, error) {
	src, where := d.value, "value"
	if s.inKey {
		k, err := d.keyDoc()
		if err != nil {
			return nil, err
		}
		src, where = k, "key"
	}
	v, ok := lookup(src, "_id")
	if !ok || v == nil {
		return nil, dataErr("provided id strategy is used but the document structure either contained no _id field or it was null (%s)", where)
	}
	if !s.uuid {
		return clone(v), nil
	}
	str, ok := v.(string)
	if !ok {
		if b, isBin := v.(bson.Binary); isBin && b.Subtype == bson.TypeBinaryUUID {
			return b, nil
		}
		return nil, dataErr("UUID id strategy: _id is a %T, not a UUID string", v)
	}
	raw, err := hex.DecodeString(strings.ReplaceAll(str, "-", ""))
	if err != nil || len(raw) != 16 || (len(str) != 36 && len(str) != 32) {
		return nil, dataErr("UUID id strategy: _id %q is not a UUID", str)
	}
	return bson.Binary{Subtype: bson.TypeBinaryUUID, Data: raw}, nil
}
func (s providedStrategy) fromKey() bool { return s.inKey }

// writeModel builds the write for a record with a value (Java's
// WriteModelStrategy).
type writeModel interface {
	model(d *sinkDoc) (mongo.WriteModel, error)
}

func valueID(d *sinkDoc) (any, error) {
	id, ok := lookup(d.value, "_id")
	if !ok {
		return nil, dataErr("could not build the write model: the value document has no _id")
	}
	return id, nil
}

type replaceDefault struct{}

func (replaceDefault) model(d *sinkDoc) (mongo.WriteModel, error) {
	id, err := valueID(d)
	if err != nil {
		return nil, err
	}
	return mongo.NewReplaceOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).SetReplacement(d.value).SetUpsert(true), nil
}

// businessKey returns the filter of the business-key strategies: the
// document `_id`, flattened to dotted names when it came from a partial
// strategy.
func businessKey(d *sinkDoc, flat bool) (bson.D, error) {
	id, err := valueID(d)
	if err != nil {
		return nil, err
	}
	doc, ok := id.(bson.D)
	if !ok {
		return nil, dataErr("business key strategy: _id must be a document, got %T", id)
	}
	if flat {
		return flatten("", doc, nil), nil
	}
	return doc, nil
}

type replaceBusinessKey struct{ flat bool }

func (s replaceBusinessKey) model(d *sinkDoc) (mongo.WriteModel, error) {
	f, err := businessKey(d, s.flat)
	if err != nil {
		return nil, err
	}
	return mongo.NewReplaceOneModel().SetFilter(f).SetReplacement(without(d.value, "_id")).SetUpsert(true), nil
}

type updateDefault struct{}

func (updateDefault) model(d *sinkDoc) (mongo.WriteModel, error) {
	id, err := valueID(d)
	if err != nil {
		return nil, err
	}
	return mongo.NewUpdateOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}).
		SetUpdate(bson.D{{Key: "$set", Value: without(d.value, "_id")}}).SetUpsert(true), nil
}

type updateTimestamps struct {
	businessKey, flat bool
	now               clock
}

func (s updateTimestamps) model(d *sinkDoc) (mongo.WriteModel, error) {
	var filter bson.D
	if s.businessKey {
		f, err := businessKey(d, s.flat)
		if err != nil {
			return nil, err
		}
		filter = f
	} else {
		id, err := valueID(d)
		if err != nil {
			return nil, err
		}
		filter = bson.D{{Key: "_id", Value: id}}
	}
	ts := bson.NewDateTimeFromTime(s.now())
	set := append(without(d.value, "_id"), bson.E{Key: "_modifiedTS", Value: ts})
	return mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(bson.D{
		{Key: "$set", Value: set},
		{Key: "$setOnInsert", Value: bson.D{{Key: "_insertedTS", Value: ts}}},
	}).SetUpsert(true), nil
}

type insertDefault struct{}

func (insertDefault) model(d *sinkDoc) (mongo.WriteModel, error) {
	return mongo.NewInsertOneModel().SetDocument(d.value), nil
}

type deleteBusinessKey struct{ flat bool }

func (s deleteBusinessKey) model(d *sinkDoc) (mongo.WriteModel, error) {
	f, err := businessKey(d, s.flat)
	if err != nil {
		return nil, err
	}
	return mongo.NewDeleteOneModel().SetFilter(f), nil
}

// deleteDefault is the tombstone strategy: delete by the id the id
// strategy derives from the key.
type deleteDefault struct{ ids idStrategy }

func (s deleteDefault) tombstone(d *sinkDoc) (mongo.WriteModel, error) {
	if k, err := d.keyDoc(); err != nil || k == nil {
		return nil, errors.Join(dataErr("could not create write model: a delete needs a key document"), err)
	}
	id, err := s.ids.id(d)
	if err != nil {
		return nil, err
	}
	// An id document that holds _id itself is the filter (Java does the same).
	if doc, ok := id.(bson.D); ok {
		if _, has := lookup(doc, "_id"); has {
			return mongo.NewDeleteOneModel().SetFilter(doc), nil
		}
	}
	return mongo.NewDeleteOneModel().SetFilter(bson.D{{Key: "_id", Value: id}}), nil
}

// deleteAll is DeleteOneDefaultStrategy used as the main write model.
type deleteAll struct{ d deleteDefault }

func (s deleteAll) model(d *sinkDoc) (mongo.WriteModel, error) { return s.d.tombstone(d) }
