// Package jaas parses Java's JAAS login configuration: the value of Kafka's
// sasl.jaas.config setting and JAAS files with named entries (the file that
// -Djava.security.auth.login.config points to).
//
// Both follow the JVM's own parsers: sasl.jaas.config the tokenizer rules of
// Kafka's org.apache.kafka.common.security.JaasConfig (single or double
// quotes, backslash escapes inside quotes, '/' starts a comment, any other
// printable character belongs to a word, so an unquoted value may hold '$',
// ':' or '.'), files those of the JDK's ConfigFile (double quotes only,
// '//' and '/* */' comments, one entry per name). Error messages follow
// Java's where it has one.
package jaas

import (
	"fmt"
	"sort"
	"strings"
)

// LoginModule is one login module line: its class, its control flag in
// lower case (required, requisite, sufficient or optional) and its options.
type LoginModule struct {
	Class   string
	Flag    string
	Options map[string]string
}

// ParseConfig parses a sasl.jaas.config value: one or more
// `<class> <flag> key=value ... ;` entries.
func ParseConfig(s string) ([]LoginModule, error) {
	t := newTokenizer(s)
	t.wordChars(32, 128)
	t.wordChars(128+32, 255)
	t.ctype[';'] = 0
	t.ctype['='] = 0
	t.whitespaceChars(0, ' ')
	t.ctype['/'] = ctComment
	t.ctype['"'] = ctQuote
	t.ctype['\''] = ctQuote
	t.slash2, t.slashS = true, true

	var modules []LoginModule
	for t.next() != ttEOF {
		m, err := parseConfigEntry(t)
		if err != nil {
			return nil, err
		}
		modules = append(modules, m)
	}
	if len(modules) == 0 {
		return nil, fmt.Errorf("Login module not specified in JAAS config")
	}
	return modules, nil
}

func parseConfigEntry(t *tokenizer) (LoginModule, error) {
	if !t.hasS {
		return LoginModule{}, fmt.Errorf("Login module class not specified in JAAS config (found %s)", t.describe())
	}
	m := LoginModule{Class: t.sval, Options: map[string]string{}}
	if t.next() == ttEOF {
		return m, fmt.Errorf("Login module control flag not specified in JAAS config")
	}
	if !t.hasS {
		return m, fmt.Errorf("Login module control flag is not available in the JAAS config")
	}
	flag, err := controlFlag(t.sval)
	if err != nil {
		return m, err
	}
	m.Flag = flag
	for t.next() != ttEOF && t.ttype != ';' {
		if !t.hasS {
			return m, fmt.Errorf("Option name not specified before %s in JAAS config", t.describe())
		}
		key := t.sval
		if t.next() != '=' || t.next() == ttEOF || !t.hasS {
			return m, fmt.Errorf("Value not specified for key '%s' in JAAS config", key)
		}
		m.Options[key] = t.sval
	}
	if t.ttype != ';' {
		return m, fmt.Errorf("JAAS config entry not terminated by semi-colon")
	}
	return m, nil
}

func controlFlag(s string) (string, error) {
	switch f := strings.ToLower(s); f {
	case "required", "requisite", "sufficient", "optional":
		return f, nil
	}
	return "", fmt.Errorf("Invalid login module control flag '%s' in JAAS config", s)
}

func (t *tokenizer) describe() string {
	switch t.ttype {
	case ttEOF:
		return "end of input"
	case ttNumber:
		return "a number"
	case ttWord:
		return fmt.Sprintf("%q", t.sval)
	}
	return fmt.Sprintf("'%c'", rune(t.ttype))
}

// ParseFile parses a JAAS file: named entries of login modules,
//
//	KafkaConnect {
//	  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required
//	    file="/etc/kafka/connect.password";
//	};
//
// A name given twice is an error, as in the JDK. ${...} property expansion
// in values is not done: the text is kept as written.
func ParseFile(text string) (map[string][]LoginModule, error) {
	t := newTokenizer(text)
	t.defaultSyntax()
	t.ctype['\''] = 0 // ConfigFile accepts double quotes only; a single quote is an unexpected character
	t.ctype['"'] = ctQuote
	t.wordChars('$', '$')
	t.wordChars('_', '_')
	t.wordChars('-', '-')
	t.wordChars('*', '*')
	t.slash2, t.slashS, t.eol = true, true, true
	p := &fileParser{t: t}
	p.advance()

	entries := map[string][]LoginModule{}
	for p.t.ttype != ttEOF {
		name, modules, err := p.entry()
		if err != nil {
			return nil, err
		}
		if _, dup := entries[name]; dup {
			return nil, fmt.Errorf("Configuration Error: Can not specify multiple entries for %s", name)
		}
		entries[name] = modules
	}
	return entries, nil
}

type fileParser struct{ t *tokenizer }

// advance moves to the next token that is not an end of line.
func (p *fileParser) advance() {
	for p.t.next() == ttEOL {
	}
}

func (p *fileParser) errorf(expect string) error {
	if p.t.ttype == ttEOF {
		return fmt.Errorf("Configuration Error: expected [%s], read [end of file]", expect)
	}
	found := p.t.sval
	if !p.t.hasS {
		found = p.t.describe()
	}
	return fmt.Errorf("Configuration Error: Line %d: expected [%s], found [%s]", p.t.line, expect, found)
}

// text accepts a word or a double-quoted string.
func (p *fileParser) text(expect string) (string, error) {
	if p.t.ttype == ttWord || p.t.ttype == '"' {
		s := p.t.sval
		p.advance()
		return s, nil
	}
	return "", p.errorf(expect)
}

func (p *fileParser) symbol(c rune) error {
	if p.t.ttype != int(c) {
		return p.errorf(string(c))
	}
	p.advance()
	return nil
}

func (p *fileParser) entry() (string, []LoginModule, error) {
	name, err := p.text("login configuration name")
	if err != nil {
		return "", nil, err
	}
	if err := p.symbol('{'); err != nil {
		return "", nil, err
	}
	var modules []LoginModule
	for p.t.ttype != '}' {
		class, err := p.text("module class name")
		if err != nil {
			return "", nil, err
		}
		rawFlag, err := p.text("controlFlag")
		if err != nil {
			return "", nil, err
		}
		flag, err := controlFlag(rawFlag)
		if err != nil {
			return "", nil, fmt.Errorf("Configuration Error: Invalid control flag, %s", rawFlag)
		}
		m := LoginModule{Class: class, Flag: flag, Options: map[string]string{}}
		for p.t.ttype != ';' {
			key, err := p.text("option key")
			if err != nil {
				return "", nil, err
			}
			if err := p.symbol('='); err != nil {
				return "", nil, err
			}
			value, err := p.text("option value")
			if err != nil {
				return "", nil, err
			}
			m.Options[key] = value
		}
		p.advance()
		modules = append(modules, m)
	}
	if err := p.symbol('}'); err != nil {
		return "", nil, err
	}
	if err := p.symbol(';'); err != nil {
		return "", nil, err
	}
	return name, modules, nil
}

// Format renders a login module as a sasl.jaas.config value that
// ParseConfig (and Kafka) read back as the same module: options sorted,
// values double-quoted with backslash, quote and line breaks escaped.
func Format(m LoginModule) string {
	esc := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	var b strings.Builder
	if plainWord(m.Class) {
		b.WriteString(m.Class)
	} else {
		b.WriteString(`"` + esc.Replace(m.Class) + `"`)
	}
	b.WriteString(" ")
	flag := m.Flag
	if flag == "" {
		flag = "required"
	}
	b.WriteString(flag)
	keys := make([]string, 0, len(m.Options))
	for k := range m.Options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key := k
		if !plainWord(k) {
			key = `"` + esc.Replace(k) + `"`
		}
		b.WriteString(" " + key + `="` + esc.Replace(m.Options[k]) + `"`)
	}
	b.WriteString(";")
	return b.String()
}

// plainWord tells whether s reads back as one unquoted word of
// sasl.jaas.config.
func plainWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		switch {
		case r <= ' ', r == ';', r == '=', r == '/', r == '"', r == '\'', r > 128 && r < 160:
			return false
		}
	}
	return true
}
