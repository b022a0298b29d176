package avro

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/tlsconfig"
)

// registryTLS is the registry client's TLS configuration from
// schema.registry.ssl.*: nil without such settings (https:// URLs then
// trust the system roots and check host names). Settings that ask for TLS
// next to an http:// URL are refused rather than ignored, and so are the
// SSL settings goconnect cannot honour.
func registryTLS(props map[string]string, urls []string) (*tls.Config, error) {
	ssl := map[string]string{}
	for k, v := range tlsconfig.Unprefixed(props, sslPrefix) {
		if strings.HasPrefix(k, "ssl.") {
			ssl[k] = v
		}
	}
	if len(ssl) == 0 {
		return nil, nil
	}
	if bad := tlsconfig.Unsupported(ssl); len(bad) > 0 {
		return nil, &config.Error{Key: sslPrefix + bad[0], Value: ssl[bad[0]], Message: "not supported by goconnect"}
	}
	for _, u := range urls {
		if u = strings.TrimSpace(u); !strings.HasPrefix(strings.ToLower(u), "https://") {
			return nil, &config.Error{Key: keyURL, Value: u, Message: fmt.Sprintf(
				"schema.registry.ssl.* settings are set but %s is not an https:// URL; goconnect does not send to it in plain text", u)}
		}
	}
	cfg, err := tlsconfig.Client(ssl)
	if err != nil {
		return nil, tlsconfig.ConfigError(err, tlsconfig.Prefix(sslPrefix), keyURL)
	}
	return cfg, nil
}
