// Package healthcheck is the container's HEALTHCHECK: the distroless
// image has no curl, so the binary itself asks the REST API, as the
// cp-kafka-connect image's check does with GET /connectors.
package healthcheck

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/goconnect/goconnect/runtime/restclient"
)

// Timeout bounds one check, so a hung worker counts as unhealthy rather
// than leaving the check running.
const Timeout = 2 * time.Second

// Healthcheck GETs url and wants 200 within Timeout, with opts'
// credentials and TLS settings.
func Healthcheck(ctx context.Context, url string, opts restclient.Options) error {
	return check(ctx, url, opts, Timeout)
}

func check(ctx context.Context, url string, opts restclient.Options, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client, err := opts.Client()
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	if err := opts.Authorize(req); err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	// A short excerpt of the body names the problem (Connect's error JSON).
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck GET %s: status %d: %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// URL is the address the image's check uses:
// http://$CONNECT_REST_ADVERTISED_HOST_NAME:$CONNECT_REST_PORT/connectors,
// with localhost and 8083 when unset. With CONNECT_LISTENERS set, the
// scheme and port are the advertised listener's (Connect's rule: the
// rest.advertised.listener scheme, else http if any listener is http).
// environ is in os.Environ() form.
func URL(environ []string) string {
	host, port, scheme := "localhost", "8083", "http"
	var listeners, advertised string
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "CONNECT_REST_ADVERTISED_HOST_NAME" && v != "":
			host = v
		case k == "CONNECT_REST_PORT" && v != "":
			port = v
		case k == "CONNECT_LISTENERS":
			listeners = strings.ToLower(v)
		case k == "CONNECT_REST_ADVERTISED_LISTENER":
			advertised = strings.ToLower(strings.TrimSpace(v))
		}
	}
	if listeners != "" {
		scheme = advertised
		if scheme == "" {
			scheme = "http"
			if !strings.Contains(listeners, "http://") && strings.Contains(listeners, "https://") {
				scheme = "https"
			}
		}
		for _, l := range strings.Split(listeners, ",") {
			if s, hostport, ok := strings.Cut(strings.TrimSpace(l), "://"); ok && s == scheme {
				if i := strings.LastIndex(hostport, ":"); i >= 0 {
					port = hostport[i+1:]
				}
				break
			}
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/connectors"
}
