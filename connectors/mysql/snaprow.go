package mysql

import (
	"bytes"
	"fmt"

	gomysql "github.com/go-mysql-org/go-mysql/mysql"

	"github.com/goconnect/goconnect/connect/data"
)

// snapshotRow holds the Connect structs of one snapshot record, allocated
// together: a row's envelope, value and key live and die together, so
// one allocation serves the three (and one their field values) instead
// of six.
type snapshotRow struct {
	env, after, key data.Struct
}

// snapshotRow16 and snapshotRow32 hold the structs' field values too,
// for tables whose image, key and envelope fields fit: one allocation per
// row instead of two.
type (
	snapshotRow16 struct {
		snapshotRow
		vals [16]any
	}
	snapshotRow32 struct {
		snapshotRow
		vals [32]any
	}
)

// newSnapshotRow allocates a row's structs and n field values.
func newSnapshotRow(n int) (*snapshotRow, []any) {
	switch {
	case n <= len(snapshotRow16{}.vals):
		b := new(snapshotRow16)
		return &b.snapshotRow, b.vals[:n:n]
	case n <= len(snapshotRow32{}.vals):
		b := new(snapshotRow32)
		return &b.snapshotRow, b.vals[:n:n]
	}
	return new(snapshotRow), make([]any, n)
}

// snapshotImageFields is snapshotImage straight from a streamed result
// row (fs in table column order; its buffers are reused for the next
// row): text columns are converted as they are read instead of being
// copied into boxed values first. It also returns the record's envelope,
// empty, allocated with the images. The values are those snapshotImage
// gives for the row copied by snapshotValues (TestSnapshotFieldsAsValues).
func (t *table) snapshotImageFields(fs []gomysql.FieldValue) (after, key, env *data.Struct, err error) {
	if len(fs) != len(t.cols) {
		return nil, nil, nil, fmt.Errorf("table %s.%s: row has %d columns, schema has %d", t.db, t.name, len(fs), len(t.cols))
	}
	nv, nk := len(t.valueSchema.Fields), 0
	if t.keySchema != nil {
		nk = len(t.keySchema.Fields)
	}
	ne := len(t.envSchema.Fields)
	blk, vals := newSnapshotRow(nv + nk + ne)
	blk.after.Init(t.valueSchema, vals[:nv:nv])
	blk.env.Init(t.envSchema, vals[nv+nk:])
	after, env = &blk.after, &blk.env
	for j, i := range t.valCols {
		v, err := t.cols[i].convertField(&fs[i])
		if err != nil {
			return nil, nil, nil, fmt.Errorf("table %s.%s: %w", t.db, t.name, err)
		}
		vals[j] = v
	}
	if t.keySchema == nil {
		return after, nil, env, nil
	}
	blk.key.Init(t.keySchema, vals[nv:nv+nk:nv+nk])
	key = &blk.key
	for j, i := range t.recKey {
		if p := t.valPos[i]; p >= 0 {
			vals[nv+j] = vals[p]
			continue
		}
		v, err := t.cols[i].convertField(&fs[i])
		if err != nil {
			return nil, nil, nil, fmt.Errorf("table %s.%s: key: %w", t.db, t.name, err)
		}
		vals[nv+j] = v
	}
	return after, key, env, nil
}

// convertField converts one field of a snapshot result row as convert
// converts it once copied by snapshotValues ([]byte for text, the
// field's own Go type otherwise), without the copy where the column's
// conversion reads the text only, and without boxing a signed integer
// twice.
func (c *column) convertField(f *gomysql.FieldValue) (any, error) {
	v, err := c.convertFieldValue(f)
	if s, ok := v.(string); ok && c.kind == kZoned {
		v = trimZonedFraction(s)
	}
	return v, err
}

func (c *column) convertFieldValue(f *gomysql.FieldValue) (any, error) {
	switch f.Type {
	case gomysql.FieldValueTypeNull:
		return nil, nil
	case gomysql.FieldValueTypeString:
		b := f.AsString()
		switch c.kind {
		case kString, kJSON, kEnum, kSet:
			if c.latin1 {
				return latin1Text(b), nil
			}
			return string(b), nil
		case kDecimal, kDecimalDouble, kDecimalString:
			// Parsed from the row's bytes as convert parses their string
			// (fastDecimal), without copying them into one first.
			if d, ok := fastDecimal(b, c.scale); ok {
				return c.decimalValue(d), nil
			}
			return c.convert(string(b))
		case kDate, kConnectDate, kTimestampMs, kTimestampMicro, kConnectTimestamp, kZoned:
			if !zeroTemporal(b) {
				if t, ok := fastDateTime(b); ok {
					return c.dateTimeValue(t), nil
				}
			}
			return c.convert(string(b))
		case kMicroTime, kConnectTime:
			// convert reads these as a string; string(b) is that string.
			return c.convert(string(b))
		}
		return c.convert(bytes.Clone(b))
	case gomysql.FieldValueTypeSigned:
		if !c.unsigned {
			n := f.AsInt64()
			switch c.kind {
			case kInt16:
				return int16(n), nil
			case kInt32, kYear:
				return int32(n), nil
			case kInt64:
				return n, nil
			}
		}
	}
	return c.convert(f.Value())
}
