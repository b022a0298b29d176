package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
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
	var call restCall
	call.register(fs, os.Environ())
	file := fs.String("file", "", `offsets JSON for "set" ({"offsets":[{"partition":{…},"offset":{…}}]}); "-" or empty reads standard input`)
	fs.Usage = func() { fmt.Fprint(stderr, offsetsUsage); fs.PrintDefaults() }
	rest, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		fs.Usage()
		return fmt.Errorf("offsets %s needs exactly one connector name", op)
	}
	var method string
	var body []byte
	switch op {
	case "get":
		method = http.MethodGet
	case "reset":
		method = http.MethodDelete
	case "set":
		method = http.MethodPatch
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
	out, err := call.do(ctx, method, "/connectors/"+url.PathEscape(rest[0])+"/offsets", body)
	if err != nil {
		return err
	}
	return printJSON(stdout, out)
}
