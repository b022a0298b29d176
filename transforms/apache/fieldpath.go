package apache

import (
	"fmt"
	"strings"
)

// parsePath splits a field.syntax.version=V2 path: dots separate steps,
// backticks quote a step containing dots (a doubled backtick inside quotes
// is a literal backtick). With V1 the whole string is one step.
func parsePath(s string, v2 bool) ([]string, error) {
	if !v2 || !strings.ContainsAny(s, ".`") {
		return []string{s}, nil
	}
	var steps []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '`' && !quoted && cur.Len() == 0:
			quoted = true
		case c == '`' && quoted:
			if i+1 < len(s) && s[i+1] == '`' {
				cur.WriteByte('`')
				i++
				continue
			}
			quoted = false
		case c == '.' && !quoted:
			steps = append(steps, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if quoted {
		return nil, fmt.Errorf("unbalanced backtick in field path %q", s)
	}
	return append(steps, cur.String()), nil
}

func syntaxIsV2(v string) (bool, error) {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "", "V1":
		return false, nil
	case "V2":
		return true, nil
	}
	return false, fmt.Errorf("field.syntax.version must be V1 or V2")
}
