package mongodb

import (
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// cdcHandler turns a change event into a write; a nil model with a nil
// error skips the record.
type cdcHandler interface {
	handle(d *sinkDoc) (mongo.WriteModel, error)
}

// changeStreamHandler applies MongoDB change-stream documents.
type changeStreamHandler struct{}

func (changeStreamHandler) handle(d *sinkDoc) (mongo.WriteModel, error) {
	if d.value == nil {
		return nil, dataErr("change stream handler: the value document is missing (tombstone?)")
	}
	opv, ok := lookup(d.value, "operationType")
	op, isStr := opv.(string)
	if !ok || !isStr {
		return nil, dataErr("change stream handler: missing or non-string operationType")
	}
	key, _ := lookup(d.value, "documentKey")
	filter, _ := key.(bson.D)
	full, hasFull := lookup(d.value, "fullDocument")
	fullDoc, _ := full.(bson.D)
	switch op {
	case "insert", "replace":
		if filter == nil || fullDoc == nil {
			return nil, dataErr("change stream handler: %s without documentKey or fullDocument", op)
		}
		return mongo.NewReplaceOneModel().SetFilter(filter).SetReplacement(fullDoc).SetUpsert(true), nil
	case "update":
		if filter == nil {
			return nil, dataErr("change stream handler: update without documentKey")
		}
		if hasFull && fullDoc != nil {
			// No upsert here, unlike insert/replace (as the Java handler).
			return mongo.NewReplaceOneModel().SetFilter(filter).SetReplacement(fullDoc), nil
		}
		udv, _ := lookup(d.value, "updateDescription")
		ud, _ := udv.(bson.D)
		if ud == nil {
			return nil, dataErr("change stream handler: update without updateDescription")
		}
		var update bson.D
		if uf, _ := lookup(ud, "updatedFields"); uf != nil {
			if ufd, ok := uf.(bson.D); ok && len(ufd) > 0 {
				update = append(update, bson.E{Key: "$set", Value: ufd})
			}
		}
		if rf, _ := lookup(ud, "removedFields"); rf != nil {
			if arr, ok := rf.(bson.A); ok && len(arr) > 0 {
				unset := bson.D{}
				for _, f := range arr {
					if s, ok := f.(string); ok {
						unset = append(unset, bson.E{Key: s, Value: ""})
					}
				}
				update = append(update, bson.E{Key: "$unset", Value: unset})
			}
		}
		if len(update) == 0 {
			return nil, nil
		}
		return mongo.NewUpdateOneModel().SetFilter(filter).SetUpdate(update), nil
	case "delete":
		if filter == nil {
			return nil, dataErr("change stream handler: delete without documentKey")
		}
		return mongo.NewDeleteOneModel().SetFilter(filter), nil
	}
	// drop, rename, invalidate, …: nothing to apply to one collection.
	return nil, nil
}

// rdbmsHandler applies raw (not flattened) Debezium relational envelopes;
// the MySQL and Postgres handlers are the same.
type rdbmsHandler struct{}

func (rdbmsHandler) handle(d *sinkDoc) (mongo.WriteModel, error) {
	if len(d.value) == 0 {
		return nil, nil // tombstone
	}
	opv, hasOp := lookup(d.value, "op")
	if !hasOp || opv == nil {
		if _, ddl := lookup(d.value, "ddl"); ddl {
			return nil, nil // schema change event
		}
	}
	op, ok := opv.(string)
	if !ok {
		return nil, dataErr("Debezium handler: missing or non-string op field")
	}
	switch op {
	case "c", "r", "u", "d":
	default:
		return nil, dataErr("Debezium handler: Unknown operation type %q", op)
	}
	key, err := d.keyDoc()
	if err != nil {
		return nil, err
	}
	filter, idv, err := rdbmsFilter(d, key, op)
	if err != nil {
		return nil, err
	}
	if op == "d" {
		return mongo.NewDeleteOneModel().SetFilter(filter), nil
	}
	av, _ := lookup(d.value, "after")
	after, _ := av.(bson.D)
	if len(after) == 0 {
		return nil, dataErr("Debezium handler: %s event without an after document", op)
	}
	doc := bson.D{}
	if idv != nil {
		doc = append(doc, bson.E{Key: "_id", Value: idv})
	}
	for _, e := range after {
		// Key columns live only in _id.
		if _, inKey := lookup(key, e.Key); inKey {
			continue
		}
		doc = append(doc, e)
	}
	return mongo.NewReplaceOneModel().SetFilter(filter).SetReplacement(doc).SetUpsert(true), nil
}

// rdbmsFilter builds {_id: {<key fields>}} or, without key fields, a new
// ObjectId for creates and the before image for updates and deletes.
func rdbmsFilter(d *sinkDoc, key bson.D, op string) (bson.D, any, error) {
	if len(key) > 0 {
		id := cloneDoc(key)
		return bson.D{{Key: "_id", Value: id}}, id, nil
	}
	if op == "c" || op == "r" {
		id := bson.NewObjectID()
		return bson.D{{Key: "_id", Value: id}}, id, nil
	}
	bv, _ := lookup(d.value, "before")
	before, _ := bv.(bson.D)
	if len(before) == 0 {
		return nil, nil, dataErr("Debezium handler: %s event without key fields needs a before document", op)
	}
	return before, nil, nil
}
