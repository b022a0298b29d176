package tlsconfig

import (
	"encoding/pem"
	"regexp"
	"strings"
)

// pemBlock matches a PEM block whatever whitespace separates its parts.
var pemBlock = regexp.MustCompile(`-----BEGIN ([A-Z0-9 ]+)-----\s*([A-Za-z0-9+/=\s]*?)\s*-----END ([A-Z0-9 ]+)-----`)

// pemText makes inline PEM that lost its line breaks readable to
// encoding/pem. A .properties value continued over lines with a trailing
// backslash (as Confluent documents ssl.keystore.key) reaches the worker
// with spaces where the breaks were; Kafka's PEM parser accepts any
// whitespace, so the same value must work here. Text that already decodes,
// or holds encapsulated headers, is returned as is.
func pemText(data []byte) []byte {
	if b, _ := pem.Decode(data); b != nil || !pemBlock.Match(data) {
		return data
	}
	return pemBlock.ReplaceAllFunc(data, func(m []byte) []byte {
		parts := pemBlock.FindSubmatch(m)
		if string(parts[1]) != string(parts[3]) {
			return m
		}
		body := strings.Join(strings.Fields(string(parts[2])), "")
		var b strings.Builder
		b.WriteString("-----BEGIN " + string(parts[1]) + "-----\n")
		for len(body) > 64 {
			b.WriteString(body[:64] + "\n")
			body = body[64:]
		}
		b.WriteString(body + "\n-----END " + string(parts[1]) + "-----\n")
		return []byte(b.String())
	})
}
