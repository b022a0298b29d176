package srclient

import (
	"encoding/binary"
	"fmt"
)

// Confluent's wire format puts a magic byte 0 and the schema id (4 bytes,
// big-endian) before the serialized value.
const headerSize = 5

// AppendHeader appends the wire-format header for schema id to b.
func AppendHeader(b []byte, id int) []byte {
	return binary.BigEndian.AppendUint32(append(b, 0), uint32(id))
}

// SplitHeader reads the wire-format header of a record value of topic:
// the schema id and the bytes after it. Anything else is Confluent's
// deserializers' "Unknown magic byte!".
func SplitHeader(topic string, b []byte) (int, []byte, error) {
	if len(b) < headerSize || b[0] != 0 {
		return 0, nil, fmt.Errorf("converting byte[] to Kafka Connect data failed due to serialization error of topic %s: Unknown magic byte!", topic)
	}
	return int(binary.BigEndian.Uint32(b[1:headerSize])), b[headerSize:], nil
}
