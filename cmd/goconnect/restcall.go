package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/goconnect/goconnect/runtime/restclient"
)

// restCall is one command-line call of a worker's REST API: the worker's
// URL, its credentials and TLS options, and a timeout.
type restCall struct {
	base    string
	opts    restclient.Options
	timeout time.Duration
}

// register adds --url, --timeout and the credential/TLS flags to fs.
func (c *restCall) register(fs *flag.FlagSet, environ []string) {
	fs.StringVar(&c.base, "url", "http://127.0.0.1:8083", "REST URL of the worker")
	fs.DurationVar(&c.timeout, "timeout", 90*time.Second, "request timeout")
	c.opts = restclient.FromEnv(environ)
	c.opts.Register(fs)
}

// do sends one request and returns the answer's body. An answer of 300 or
// more is an error carrying the worker's message, as Connect words it.
func (c *restCall) do(ctx context.Context, method, path string, body []byte) ([]byte, error) {
	endpoint := strings.TrimSuffix(c.base, "/") + path
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("building request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if err := c.opts.Authorize(req); err != nil {
		return nil, err
	}
	client, err := c.opts.Client()
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, endpoint, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("reading response of %s %s: %w", method, endpoint, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(out, &e) == nil && e.Message != "" {
			return nil, fmt.Errorf("%s %s: %d: %s", method, endpoint, resp.StatusCode, e.Message)
		}
		return nil, fmt.Errorf("%s %s: %s: %s", method, endpoint, resp.Status, bytes.TrimSpace(out))
	}
	return out, nil
}

// parseInterleaved parses flags placed before and after the positional
// arguments (Go's flag package stops at the first of them) and returns the
// positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printJSON writes a JSON answer indented, or as it came if it is not JSON.
func printJSON(w io.Writer, out []byte) error {
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") == nil {
		out = pretty.Bytes()
	}
	_, err := fmt.Fprintf(w, "%s\n", out)
	return err
}
