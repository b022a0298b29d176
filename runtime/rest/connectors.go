package rest

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/storage"
)

// createRequest is CreateConnectorRequest.
type createRequest struct {
	Name         *string        `json:"name"`
	Config       map[string]any `json:"config"`
	InitialState string         `json:"initial_state"`
}

func (s *Server) listConnectors(w http.ResponseWriter, r *http.Request) {
	h := s.cfg.Herder
	var withStatus, withInfo bool
	for _, e := range r.URL.Query()["expand"] {
		switch strings.ToLower(e) {
		case "status":
			withStatus = true
		case "info":
			withInfo = true
		}
	}
	// Connect lists its config state's HashMap keys, and expands into a
	// HashMap: both in hash order.
	names := hashOrderedNames(h.Connectors())
	if _, expand := r.URL.Query()["expand"]; !expand {
		writeJSON(w, http.StatusOK, names)
		return
	}
	writeJSON(w, http.StatusOK, s.expanded(names, withStatus, withInfo))
}

// expanded is GET /connectors?expand=… for names.
func (s *Server) expanded(names []string, withStatus, withInfo bool) expandedMap {
	h := s.cfg.Herder
	out := expandedMap{values: make(map[string]expanded, len(names))}
	for _, n := range names {
		var e expanded
		if withStatus {
			st, err := h.Status(n)
			if err != nil {
				continue // gone, or no status yet: omitted, as Connect does
			}
			si := newStateInfo(st)
			e.Status = &si
		}
		if withInfo {
			in, err := h.Info(n)
			if err != nil {
				continue
			}
			ci := newConnectorInfo(in)
			e.Info = &ci
		}
		out.names = append(out.names, n)
		out.values[n] = e
	}
	return out
}

// expandedConnectorsJSON is the answer of GET
// /connectors?expand=status&expand=info, for the console's overview.
func (s *Server) expandedConnectorsJSON() ([]byte, error) {
	return encode(s.expanded(hashOrderedNames(s.cfg.Herder.Connectors()), true, true))
}

func (s *Server) createConnector(w http.ResponseWriter, r *http.Request) {
	var req createRequest
	body, err := decodeBodyRaw(r, &req)
	if err != nil {
		writeError(w, err)
		return
	}
	name := ""
	if req.Name != nil {
		name = strings.TrimSpace(*req.Name)
	}
	props, err := flatConfig(req.Config)
	if err != nil {
		writeError(w, err)
		return
	}
	order := objectKeys(body, "config")
	// The store writes the record in the request's order, as Connect.
	if err := s.cfg.Herder.Create(storage.WithKeyOrder(r.Context(), order), name, props, req.InitialState); err != nil {
		writeError(w, err)
		return
	}
	s.writeCreated(w, r, s.writtenInfo(name, props, order))
}

// writtenInfo is the ConnectorInfo of a config just written, built from
// the write itself as Connect's herders do: reading it back could race a
// concurrent DELETE and answer 404 for a write that succeeded.
func (s *Server) writtenInfo(name string, props map[string]string, order []string) connectorInfo {
	written, err := herder.WithName(props, name)
	if err != nil {
		written = props // the herder accepted it, so this does not happen
	}
	in := herder.Info{Name: name, Config: written}
	if d, err := s.cfg.Herder.Registry().Lookup(written[connectorconfig.ConnectorClass]); err == nil {
		in.Type = d.Type
	}
	if cur, err := s.cfg.Herder.Info(name); err == nil {
		in.Tasks = cur.Tasks
	}
	ci := newConnectorInfo(in)
	ci.Config = requestOrdered(written, order)
	return ci
}

// writeCreated answers 201 with the Location of the new connector.
func (s *Server) writeCreated(w http.ResponseWriter, r *http.Request, ci connectorInfo) {
	w.Header().Set("Location", baseURL(r)+"/connectors/"+url.PathEscape(ci.Name))
	writeJSON(w, http.StatusCreated, ci)
}

// baseURL is the request's scheme://host, as JAX-RS makes Location absolute.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) getConnector(w http.ResponseWriter, r *http.Request) {
	in, err := s.cfg.Herder.Info(r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, newConnectorInfo(in))
}

func (s *Server) deleteConnector(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Herder.Delete(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getConfig(w http.ResponseWriter, r *http.Request) {
	in, err := s.cfg.Herder.Info(r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, storedOrdered(in.Config, in.Keys))
}

func (s *Server) putConfig(w http.ResponseWriter, r *http.Request) {
	var raw map[string]any
	body, err := decodeBodyRaw(r, &raw)
	if err != nil {
		writeError(w, err)
		return
	}
	props, err := flatConfig(raw)
	if err != nil {
		writeError(w, err)
		return
	}
	name := r.PathValue("name")
	order := objectKeys(body, "")
	created, err := s.cfg.Herder.PutConfig(storage.WithKeyOrder(r.Context(), order), name, props)
	if err != nil {
		writeError(w, err)
		return
	}
	if created {
		s.writeCreated(w, r, s.writtenInfo(name, props, order))
		return
	}
	writeJSON(w, http.StatusOK, s.writtenInfo(name, props, order))
}

func (s *Server) patchConfig(w http.ResponseWriter, r *http.Request) {
	var raw map[string]any
	if err := decodeBody(r, &raw); err != nil {
		writeError(w, err)
		return
	}
	patch, err := configMap(raw)
	if err != nil {
		writeError(w, err)
		return
	}
	name := r.PathValue("name")
	// Connect answers with the merged map it wrote: new HashMap<>(stored
	// config) patched, whose order follows from the stored one.
	prev, _ := s.cfg.Herder.Info(name)
	if err := s.cfg.Herder.PatchConfig(r.Context(), name, patch); err != nil {
		writeError(w, err)
		return
	}
	in, err := s.cfg.Herder.Info(name)
	if err != nil {
		writeError(w, err)
		return
	}
	ci := newConnectorInfo(in)
	ci.Config = requestOrdered(in.Config, storage.WriteOrder(context.Background(), prev.Keys, in.Config))
	writeJSON(w, http.StatusOK, ci)
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Herder.Status(r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, newStateInfo(st))
}

func (s *Server) getTasks(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	cfgs, err := s.cfg.Herder.TaskConfigs(name)
	if err != nil {
		writeError(w, err)
		return
	}
	// A task config is the connector's (read back in its stored order)
	// copied into a HashMap with task.class added: ties between keys
	// sharing a bucket follow the connector config's stored order.
	var stored []string
	if in, err := s.cfg.Herder.Info(name); err == nil {
		stored = in.Keys
	}
	out := make([]taskInfo, len(cfgs))
	for i, c := range cfgs {
		out[i] = taskInfo{ID: connectorTaskID{Connector: name, Task: i}, Config: taskOrdered(c, stored)}
	}
	writeJSON(w, http.StatusOK, out)
}

// taskID parses the {task} path segment; a non-number is a 404, as an
// unmatched JAX-RS path is.
func taskID(r *http.Request) (int, error) {
	n, err := strconv.Atoi(r.PathValue("task"))
	if err != nil {
		return 0, newHTTPError(http.StatusNotFound, "HTTP 404 Not Found")
	}
	return n, nil
}

func (s *Server) getTaskStatus(w http.ResponseWriter, r *http.Request) {
	n, err := taskID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	st, err := s.cfg.Herder.TaskStatus(r.PathValue("name"), n)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, newTaskState(n, st))
}

func (s *Server) getTopics(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	topics, err := s.cfg.Herder.ActiveTopics(name)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]activeTopics{name: {Topics: topics}})
}

func (s *Server) resetTopics(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Herder.ResetTopics(r.PathValue("name")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}
