// Package protoprint holds the pieces of Confluent's ProtobufSchemaUtils
// printing that both goconnect's PROTOBUF registry type
// (schemaregistry/prototype) and its ProtobufConverter need, so that the
// text they print agrees without the converter importing the registry.
package protoprint

import "strings"

// AppendIndented is ProtobufSchemaUtils.appendIndented: every line of
// value indented by two spaces (inner empty lines become "  ", as Java's
// split keeps them); trailing empty lines dropped.
func AppendIndented(sb *strings.Builder, value string) {
	lines := strings.Split(value, "\n")
	for len(lines) > 0 && lines[len(lines)-1] == "" { // Java's split drops trailing empties
		lines = lines[:len(lines)-1]
	}
	for _, l := range lines {
		sb.WriteString("  " + l + "\n")
	}
}

// Escape is ProtobufSchemaUtils.escapeChars: a string literal's content
// with C escapes for the control characters, backslash and both quotes.
func Escape(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch r {
		case 7:
			sb.WriteString(`\a`)
		case '\b':
			sb.WriteString(`\b`)
		case '\f':
			sb.WriteString(`\f`)
		case '\n':
			sb.WriteString(`\n`)
		case '\r':
			sb.WriteString(`\r`)
		case '\t':
			sb.WriteString(`\t`)
		case '\v':
			sb.WriteString(`\v`)
		case '\\':
			sb.WriteString(`\\`)
		case '\'':
			sb.WriteString(`\'`)
		case '"':
			sb.WriteString(`\"`)
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}
