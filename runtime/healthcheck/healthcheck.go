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
)

// Timeout bounds one check, so a hung worker counts as unhealthy rather
// than leaving the check running.
const Timeout = 2 * time.Second

// Healthcheck GETs url and wants 200 within Timeout.
func Healthcheck(ctx context.Context, url string) error {
	return check(ctx, url, Timeout)
}

func check(ctx context.Context, url string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
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
// with localhost and 8083 when unset. environ is in os.Environ() form.
func URL(environ []string) string {
	host, port := "localhost", "8083"
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "CONNECT_REST_ADVERTISED_HOST_NAME" && v != "":
			host = v
		case k == "CONNECT_REST_PORT" && v != "":
			port = v
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/connectors"
}
