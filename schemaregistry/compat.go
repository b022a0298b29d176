package schemaregistry

import (
	"fmt"
	"strings"
)

// Compatibility levels, as Confluent names them.
const (
	None               = "NONE"
	Backward           = "BACKWARD"
	BackwardTransitive = "BACKWARD_TRANSITIVE"
	Forward            = "FORWARD"
	ForwardTransitive  = "FORWARD_TRANSITIVE"
	Full               = "FULL"
	FullTransitive     = "FULL_TRANSITIVE"
)

func validLevel(l string) bool {
	switch l {
	case None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive:
		return true
	}
	return false
}

// previous is an existing version a new schema is checked against.
type previous struct {
	version int
	typ     string
	text    string
	schema  ParsedSchema
}

// differentType is Confluent's message for versions of another type.
const differentType = "Incompatible because of different schema type"

// checkCompatibility lists why a new schema of type typ breaks a level
// against the existing versions (oldest first), in Confluent's words and
// order: the plain levels look at the latest version, the transitive ones
// at every version newest first, stopping at the first that fails; BACKWARD
// asks whether the new schema reads the old one's data, FORWARD the
// reverse, FULL both. The failing version's number and text follow the
// type's messages, and the level closes the list. Empty when compatible.
func checkCompatibility(level, typ string, n ParsedSchema, existing []previous, validateFields bool) []string {
	if level == None || len(existing) == 0 {
		return nil
	}
	var out []string
	for i := len(existing) - 1; i >= 0; i-- {
		o := existing[i]
		var msgs []string
		switch {
		case o.typ != typ:
			msgs = []string{differentType}
		case strings.HasPrefix(level, Backward):
			msgs = roleMessages(n.BackwardCompatible(o.schema), "new", "old", o, true)
		case strings.HasPrefix(level, Forward):
			msgs = roleMessages(o.schema.BackwardCompatible(n), "old", "new", o, true)
		default:
			msgs = roleMessages(o.schema.BackwardCompatible(n), "old", "new", o, false)
			msgs = append(msgs, roleMessages(n.BackwardCompatible(o.schema), "new", "old", o, true)...)
		}
		if len(msgs) > 0 {
			out = msgs
			break
		}
		if !strings.HasSuffix(level, "_TRANSITIVE") {
			break
		}
	}
	if len(out) > 0 {
		out = append(out, fmt.Sprintf("{validateFields: '%t', compatibility: '%s'}", validateFields, level))
	}
	return out
}

// roleMessages fills the reader and writer roles ("%s", "%s") of a type's
// messages, as Confluent's validator formats them, and appends the old
// version's number and text.
func roleMessages(msgs []string, reader, writer string, old previous, withOld bool) []string {
	if len(msgs) == 0 {
		return nil
	}
	out := make([]string, 0, len(msgs)+2)
	for _, m := range msgs {
		m = strings.Replace(m, "%s", reader, 1)
		out = append(out, strings.Replace(m, "%s", writer, 1))
	}
	if withOld {
		if old.version > 0 {
			out = append(out, fmt.Sprintf("{oldSchemaVersion: %d}", old.version))
		}
		const maxLogged = 10 * 1024
		if len(old.text) <= maxLogged {
			out = append(out, "{oldSchema: '"+old.text+"'}")
		} else {
			out = append(out, "{oldSchema: <truncated> '"+old.text[:maxLogged]+"...'}")
		}
	}
	return out
}
