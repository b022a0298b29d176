package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/goconnect/goconnect/runtime/restclient"
)

const offsetsUsage = `Usage: goconnect offsets get|set|reset [--url http://127.0.0.1:8083] [--file offsets.json] [--user user:password] [--cacert ca.pem] <connector>

  get     print the connector's offsets (GET /connectors/<connector>/offsets)
  set     alter offsets from --file, or standard input (PATCH …/offsets); the connector must be STOPPED
  reset   remove every offset (DELETE …/offsets); the connector must be STOPPED
`

// runOffsets drives the KIP-875 offsets endpoints of a running worker and
// prints the JSON answer.
func runOffsets(ctx context.Context, args []string, stdout, stderr io.Writer, stdin io.Reader) error {
	if len(args) == 0 || (args[0] != "get" && args[0] != "set" && args[0] != "reset") {
		fmt.Fprint(stderr, offsetsUsage)
		return fmt.Errorf("offsets needs one of get, set, reset")
	}
	op := args[0]
	fs := flag.NewFlagSet("offsets "+op, flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", "http://127.0.0.1:8083", "REST URL of the worker")
	file := fs.String("file", "", `offsets JSON for "set" ({"offsets":[{"partition":{…},"offset":{…}}]}); "-" or empty reads standard input`)
	timeout := fs.Duration("timeout", 90*time.Second, "request timeout")
	opts := restclient.FromEnv(os.Environ())
	opts.Register(fs)
	fs.Usage = func() { fmt.Fprint(stderr, offsetsUsage); fs.PrintDefaults() }
	// Accept flags before and after the connector name.
	var rest []string
	for rem := args[1:]; ; {
		if err := fs.Parse(rem); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		rem = fs.Args()[1:]
	}
	if len(rest) != 1 {
		fs.Usage()
		return fmt.Errorf("offsets %s needs exactly one connector name", op)
	}
	endpoint := strings.TrimSuffix(*base, "/") + "/connectors/" + url.PathEscape(rest[0]) + "/offsets"
	var method string
	var body []byte
	switch op {
	case "get":
		method = http.MethodGet
	case "reset":
		method = http.MethodDelete
	case "set":
		method = http.MethodPatch
		var err error
		if *file == "" || *file == "-" {
			body, err = io.ReadAll(stdin)
		} else {
			body, err = os.ReadFile(*file)
		}
		if err != nil {
			return fmt.Errorf("reading offsets: %w", err)
		}
		if !json.Valid(body) {
			return fmt.Errorf("offsets input is not valid JSON")
		}
	}
	rctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, method, endpoint, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if err := opts.Authorize(req); err != nil {
		return err
	}
	client, err := opts.Client()
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, endpoint, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading response of %s %s: %w", method, endpoint, err)
	}
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(out, &e) == nil && e.Message != "" {
			return fmt.Errorf("%s %s: %d: %s", method, endpoint, resp.StatusCode, e.Message)
		}
		return fmt.Errorf("%s %s: %s: %s", method, endpoint, resp.Status, bytes.TrimSpace(out))
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, out, "", "  ") == nil {
		out = pretty.Bytes()
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}
