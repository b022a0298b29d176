package srrules

import (
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// builtins are the string checks Confluent's CEL executors declare
// (BuiltinDeclarations: isEmail, isHostname, isIpv4, isIpv6, isUri,
// isUriRef, isUuid), as member functions of strings. Confluent checks with
// Apache commons-validator and java.net; these are close Go equivalents
// (isHostname checks syntax, not the top-level domain list).
func builtins() []cel.EnvOption {
	fn := func(name, id string, check func(string) bool) cel.EnvOption {
		return cel.Function(name, cel.MemberOverload("string_"+id, []*cel.Type{cel.StringType}, cel.BoolType,
			cel.UnaryBinding(func(v ref.Val) ref.Val {
				s, ok := v.(types.String)
				if !ok {
					return types.MaybeNoSuchOverloadErr(v)
				}
				return types.Bool(check(string(s)))
			})))
	}
	return []cel.EnvOption{
		fn("isEmail", "is_email", isEmail),
		fn("isHostname", "is_hostname", isHostname),
		fn("isIpv4", "is_ipv4", func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.Is4() }),
		fn("isIpv6", "is_ipv6", func(s string) bool { a, err := netip.ParseAddr(s); return err == nil && a.Is6() }),
		fn("isUri", "is_uri", func(s string) bool { u, ok := parseURI(s); return ok && u.IsAbs() }),
		fn("isUriRef", "is_uri_ref", func(s string) bool { _, ok := parseURI(s); return ok }),
		fn("isUuid", "is_uuid", uuidPattern.MatchString),
	}
}

// uuidPattern is what java.util.UUID.fromString accepts: five groups of
// hex digits, at most 8-4-4-4-12 long.
var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{1,8}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,4}-[0-9a-fA-F]{1,12}$`)

var hostLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

func isHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !hostLabel.MatchString(l) {
			return false
		}
	}
	return true
}

func isEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		ip, err := netip.ParseAddr(strings.TrimPrefix(domain[1:len(domain)-1], "IPv6:"))
		return err == nil && ip.IsValid()
	}
	// commons-validator without local addresses: a dotted domain.
	return strings.Contains(domain, ".") && isHostname(domain)
}

// parseURI parses as java.net.URI would accept: no spaces or control
// characters.
func parseURI(s string) (*url.URL, bool) {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return nil, false
		}
	}
	u, err := url.Parse(s)
	return u, err == nil
}
