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
	"slices"
	"strings"
	"text/tabwriter"
)

const connectorsUsage = `Usage: goconnect connectors <action> [--url http://127.0.0.1:8083] [-o table|json] [--user user:password] [--cacert ca.pem] [NAME]

  list              every connector: type, state, tasks, class (GET /connectors?expand=status&expand=info)
  status NAME       the connector's and its tasks' states, workers and traces
  config NAME       the connector's configuration, one key per line
  pause NAME        pause the connector and its tasks (PUT …/pause)
  resume NAME       resume it (PUT …/resume)
  stop NAME         stop it: tasks shut down, offsets may then be changed (PUT …/stop)
  restart NAME      restart it (POST …/restart; --include-tasks, --only-failed)
  delete NAME       delete it (DELETE /connectors/NAME)
`

// connectorState is Connect's ConnectorStateInfo, as GET …/status answers.
type connectorState struct {
	Name      string `json:"name"`
	Connector struct {
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"connector"`
	Tasks []struct {
		ID       int    `json:"id"`
		State    string `json:"state"`
		WorkerID string `json:"worker_id"`
		Trace    string `json:"trace"`
	} `json:"tasks"`
	Type string `json:"type"`
}

// runConnectors is the operator's view of a worker's connectors through
// its REST API: a readable table by default, the API's JSON with -o json.
func runConnectors(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	actions := []string{"list", "status", "config", "pause", "resume", "stop", "restart", "delete"}
	if len(args) == 0 || !slices.Contains(actions, args[0]) {
		fmt.Fprint(stderr, connectorsUsage)
		return fmt.Errorf("connectors needs one of %s", strings.Join(actions, ", "))
	}
	action := args[0]
	fs := flag.NewFlagSet("connectors "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var call restCall
	call.register(fs, os.Environ())
	format := fs.String("o", "table", "output format: table or json")
	includeTasks := fs.Bool("include-tasks", false, "restart: restart the tasks too")
	onlyFailed := fs.Bool("only-failed", false, "restart: only what is FAILED")
	fs.Usage = func() { fmt.Fprint(stderr, connectorsUsage); fs.PrintDefaults() }
	rest, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return fmt.Errorf("-o must be table or json, not %q", *format)
	}
	asJSON := *format == "json"
	if action == "list" {
		if len(rest) != 0 {
			return fmt.Errorf("connectors list takes no name")
		}
		out, err := call.do(ctx, http.MethodGet, "/connectors?expand=status&expand=info", nil)
		if err != nil {
			return err
		}
		if asJSON {
			return printJSON(stdout, out)
		}
		return printConnectorList(stdout, out)
	}
	if len(rest) != 1 {
		fs.Usage()
		return fmt.Errorf("connectors %s needs exactly one connector name", action)
	}
	name := rest[0]
	path := "/connectors/" + url.PathEscape(name)
	var method string
	switch action {
	case "status":
		method, path = http.MethodGet, path+"/status"
	case "config":
		method, path = http.MethodGet, path+"/config"
	case "pause", "resume", "stop":
		method, path = http.MethodPut, path+"/"+action
	case "restart":
		q := url.Values{}
		if *includeTasks {
			q.Set("includeTasks", "true")
		}
		if *onlyFailed {
			q.Set("onlyFailed", "true")
		}
		method, path = http.MethodPost, path+"/restart"
		if len(q) > 0 {
			path += "?" + q.Encode()
		}
	case "delete":
		method = http.MethodDelete
	}
	out, err := call.do(ctx, method, path, nil)
	if err != nil {
		return err
	}
	switch {
	case asJSON && len(out) > 0:
		return printJSON(stdout, out)
	case asJSON:
		return nil // the action answered 204: nothing to print
	case action == "config":
		return printConfig(stdout, out)
	case action == "status", action == "restart" && len(out) > 0:
		return printStatus(stdout, out)
	}
	done := map[string]string{"pause": "paused", "resume": "resumed", "stop": "stopped", "restart": "restarted", "delete": "deleted"}
	_, err = fmt.Fprintf(stdout, "%s %s\n", name, done[action])
	return err
}

// printConnectorList writes one line per connector from the expanded
// listing.
func printConnectorList(w io.Writer, out []byte) error {
	var all map[string]struct {
		Info struct {
			Config map[string]string `json:"config"`
			Type   string            `json:"type"`
		} `json:"info"`
		Status connectorState `json:"status"`
	}
	if err := json.Unmarshal(out, &all); err != nil {
		return fmt.Errorf("reading the connector list: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSTATE\tTASKS\tWORKER\tCLASS")
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		c := all[n]
		typ := c.Status.Type
		if typ == "" {
			typ = c.Info.Type
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n, typ, c.Status.Connector.State, taskSummary(c.Status),
			c.Status.Connector.WorkerID, c.Info.Config["connector.class"])
	}
	return tw.Flush()
}

// taskSummary counts tasks by state, "2 RUNNING" or "1 RUNNING, 1 FAILED".
func taskSummary(s connectorState) string {
	if len(s.Tasks) == 0 {
		return "0"
	}
	count := map[string]int{}
	var order []string
	for _, t := range s.Tasks {
		if count[t.State] == 0 {
			order = append(order, t.State)
		}
		count[t.State]++
	}
	parts := make([]string, len(order))
	for i, st := range order {
		parts[i] = fmt.Sprintf("%d %s", count[st], st)
	}
	return strings.Join(parts, ", ")
}

// printStatus writes the connector's and each task's state; a FAILED
// one's trace follows in full, indented, since it is what the operator
// came for.
func printStatus(w io.Writer, out []byte) error {
	var s connectorState
	if err := json.Unmarshal(out, &s); err != nil {
		return fmt.Errorf("reading the status: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tTYPE\tSTATE\tWORKER")
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Type, s.Connector.State, s.Connector.WorkerID)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tWORKER")
	for _, t := range s.Tasks {
		fmt.Fprintf(tw, "%d\t%s\t%s\n", t.ID, t.State, t.WorkerID)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	traces := []struct{ who, trace string }{{"connector", s.Connector.Trace}}
	for _, t := range s.Tasks {
		traces = append(traces, struct{ who, trace string }{fmt.Sprintf("task %d", t.ID), t.Trace})
	}
	for _, t := range traces {
		if t.trace == "" {
			continue
		}
		fmt.Fprintf(w, "\n%s trace:\n  %s\n", t.who, strings.ReplaceAll(strings.TrimRight(t.trace, "\n"), "\n", "\n  "))
	}
	return nil
}

// printConfig writes the configuration sorted by key.
func printConfig(w io.Writer, out []byte) error {
	var cfg map[string]string
	if err := json.Unmarshal(out, &cfg); err != nil {
		return fmt.Errorf("reading the config: %w", err)
	}
	keys := make([]string, 0, len(cfg))
	for k := range cfg {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\n", k, cfg[k])
	}
	return tw.Flush()
}
