package jaas

import "strings"

// tokenizer reproduces the behaviour of java.io.StreamTokenizer, which both
// of Java's JAAS parsers use, with a character table set up the way each
// parser sets up its own. Matching it, rather than writing a friendlier
// grammar, keeps every value a Java worker accepts meaning the same here.
type tokenizer struct {
	in     []rune
	pos    int
	ctype  [256]byte
	slash2 bool // "//" comments
	slashS bool // "/* */" comments
	eol    bool // end of line is a token

	ttype int    // a token kind below, or the character itself
	sval  string // word or quoted text
	hasS  bool   // sval is set (Java's sval != null)
	line  int
	peek  int
}

const (
	ctWhite = 1 << iota
	ctDigit
	ctAlpha
	ctQuote
	ctComment
)

const (
	ttEOF    = -1
	ttEOL    = '\n'
	ttNumber = -2
	ttWord   = -3
	needChar = -4
)

func newTokenizer(s string) *tokenizer {
	return &tokenizer{in: []rune(s), line: 1, peek: needChar}
}

// defaultSyntax is StreamTokenizer's constructor table.
func (t *tokenizer) defaultSyntax() {
	t.wordChars('a', 'z')
	t.wordChars('A', 'Z')
	t.wordChars(128+32, 255)
	t.whitespaceChars(0, ' ')
	t.ctype['/'] = ctComment
	t.ctype['"'] = ctQuote
	t.ctype['\''] = ctQuote
	for c := '0'; c <= '9'; c++ {
		t.ctype[c] |= ctDigit
	}
	t.ctype['.'] |= ctDigit
	t.ctype['-'] |= ctDigit
}

func (t *tokenizer) wordChars(lo, hi int) {
	for c := lo; c <= hi && c < 256; c++ {
		t.ctype[c] |= ctAlpha
	}
}

func (t *tokenizer) whitespaceChars(lo, hi int) {
	for c := lo; c <= hi && c < 256; c++ {
		t.ctype[c] = ctWhite
	}
}

func (t *tokenizer) read() int {
	if t.pos >= len(t.in) {
		return -1
	}
	c := t.in[t.pos]
	t.pos++
	return int(c)
}

func (t *tokenizer) class(c int) byte {
	switch {
	case c < 0:
		return ctWhite
	case c < 256:
		return t.ctype[c]
	}
	return ctAlpha
}

// next reads the next token into ttype/sval and returns ttype.
func (t *tokenizer) next() int {
	t.sval, t.hasS = "", false
	c := t.peek
	if c < 0 {
		c = needChar
	}
	if c == needChar {
		c = t.read()
	}
	t.peek = needChar
	for {
		if c < 0 {
			t.ttype = ttEOF
			return t.ttype
		}
		ct := t.class(c)
		for ct&ctWhite != 0 {
			if c == '\r' || c == '\n' {
				t.line++
				if c == '\r' {
					c = t.read()
					if c == '\n' {
						c = t.read()
					}
				} else {
					c = t.read()
				}
				if t.eol {
					t.peek = c
					t.ttype = ttEOL
					return t.ttype
				}
			} else {
				c = t.read()
			}
			if c < 0 {
				t.ttype = ttEOF
				return t.ttype
			}
			ct = t.class(c)
		}
		if ct&ctDigit != 0 {
			if c == '-' {
				c = t.read()
				if c != '.' && (c < '0' || c > '9') {
					t.peek = c
					t.ttype = '-'
					return t.ttype
				}
			}
			for c == '.' || (c >= '0' && c <= '9') {
				c = t.read()
			}
			t.peek = c
			t.ttype = ttNumber
			return t.ttype
		}
		if ct&ctAlpha != 0 {
			var b strings.Builder
			for {
				b.WriteRune(rune(c))
				c = t.read()
				if t.class(c)&(ctAlpha|ctDigit) == 0 || c < 0 {
					break
				}
			}
			t.peek = c
			t.sval, t.hasS = b.String(), true
			t.ttype = ttWord
			return t.ttype
		}
		if ct&ctQuote != 0 {
			t.ttype = c
			t.sval, t.hasS = t.quoted(c), true
			return t.ttype
		}
		if c == '/' && (t.slash2 || t.slashS) {
			c = t.read()
			switch {
			case c == '*' && t.slashS:
				prev := 0
				for c = t.read(); c != '/' || prev != '*'; c = t.read() {
					if c == '\n' || c == '\r' {
						t.line++
					}
					if c < 0 {
						t.ttype = ttEOF
						return t.ttype
					}
					prev = c
				}
				c = t.read()
				continue
			case c == '/' && t.slash2:
				c = t.skipLine()
				continue
			case t.ctype['/']&ctComment != 0:
				c = t.skipLine()
				continue
			default:
				t.peek = c
				t.ttype = '/'
				return t.ttype
			}
		}
		if ct&ctComment != 0 {
			c = t.skipLine()
			continue
		}
		t.ttype = c
		return t.ttype
	}
}

func (t *tokenizer) skipLine() int {
	c := t.read()
	for c != '\n' && c != '\r' && c >= 0 {
		c = t.read()
	}
	return c
}

// quoted reads up to the closing quote q or the end of the line, applying
// Java's escapes (\n, \t, octal, and \x for any other x).
func (t *tokenizer) quoted(q int) string {
	var b strings.Builder
	d := t.read()
	for d >= 0 && d != q && d != '\n' && d != '\r' {
		var c int
		if d == '\\' {
			c = t.read()
			first := c
			if c >= '0' && c <= '7' {
				c -= '0'
				c2 := t.read()
				if c2 >= '0' && c2 <= '7' {
					c = c<<3 + (c2 - '0')
					c2 = t.read()
					if c2 >= '0' && c2 <= '7' && first <= '3' {
						c = c<<3 + (c2 - '0')
						d = t.read()
					} else {
						d = c2
					}
				} else {
					d = c2
				}
			} else {
				switch c {
				case 'a':
					c = 0x7
				case 'b':
					c = '\b'
				case 'f':
					c = 0xC
				case 'n':
					c = '\n'
				case 'r':
					c = '\r'
				case 't':
					c = '\t'
				case 'v':
					c = 0xB
				}
				d = t.read()
			}
			if c < 0 {
				// A backslash at the very end: Java stores (char)-1.
				c = 0xFFFF
			}
		} else {
			c = d
			d = t.read()
		}
		b.WriteRune(rune(c))
	}
	if d == q {
		t.peek = needChar
	} else {
		t.peek = d
	}
	return b.String()
}
