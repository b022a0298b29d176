package schemaregistry

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const contentType = "application/vnd.schemaregistry.v1+json"

// Handler serves Confluent's REST API for the registry.
func Handler(r *Registry) http.Handler {
	s := &server{r: r}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { s.write(w, 200, map[string]any{}) })
	mux.HandleFunc("GET /subjects", func(w http.ResponseWriter, _ *http.Request) { s.write(w, 200, r.Subjects()) })
	mux.HandleFunc("GET /subjects/{subject}/versions", s.versions)
	mux.HandleFunc("POST /subjects/{subject}/versions", s.register)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}", s.getVersion)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}/schema", s.getVersionSchema)
	mux.HandleFunc("POST /subjects/{subject}", s.lookup)
	mux.HandleFunc("DELETE /subjects/{subject}", s.deleteSubject)
	mux.HandleFunc("GET /schemas/ids/{id}", s.byID)
	mux.HandleFunc("GET /schemas/ids/{id}/schema", s.byIDRaw)
	mux.HandleFunc("GET /schemas/types", func(w http.ResponseWriter, _ *http.Request) { s.write(w, 200, []string{"AVRO"}) })
	mux.HandleFunc("GET /config", s.getConfig)
	mux.HandleFunc("PUT /config", s.putConfig)
	mux.HandleFunc("GET /config/{subject}", s.getConfig)
	mux.HandleFunc("PUT /config/{subject}", s.putConfig)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions/{version}", s.check)
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { s.fail(w, &Error{404, 404, "HTTP 404 Not Found"}) })
	return mux
}

type server struct{ r *Registry }

func (s *server) write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *server) fail(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{500, 50001, err.Error()}
	}
	s.write(w, e.Status, map[string]any{"error_code": e.Code, "message": e.Message})
}

type schemaRequest struct {
	Schema     string          `json:"schema"`
	SchemaType string          `json:"schemaType"`
	References json.RawMessage `json:"references"`
}

func (s *server) body(req *http.Request) (*schemaRequest, error) {
	b, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		return nil, &Error{400, 400, "cannot read the request body"}
	}
	var sr schemaRequest
	if err := json.Unmarshal(b, &sr); err != nil {
		return nil, &Error{400, 400, "Unrecognized request body: " + err.Error()}
	}
	if sr.SchemaType != "" && !strings.EqualFold(sr.SchemaType, "AVRO") {
		return nil, &Error{422, 42201, "Invalid schema: only AVRO schemas are supported"}
	}
	if sr.Schema == "" {
		return nil, &Error{422, 42201, "Empty schema"}
	}
	return &sr, nil
}

func version(raw string) (int, error) {
	if raw == "latest" || raw == "-1" {
		return -1, nil
	}
	v, err := strconv.Atoi(raw)
	if err != nil || v < 1 {
		return 0, &Error{422, 42202, "The specified version '" + raw + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""}
	}
	return v, nil
}

func (s *server) versions(w http.ResponseWriter, req *http.Request) {
	vs, err := s.r.Versions(req.PathValue("subject"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, vs)
}

func (s *server) register(w http.ResponseWriter, req *http.Request) {
	sr, err := s.body(req)
	if err != nil {
		s.fail(w, err)
		return
	}
	id, err := s.r.Register(req.PathValue("subject"), sr.Schema)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, map[string]int{"id": id})
}

// pathVersion finds the subject version a path names; it has answered
// the request with the error when it returns nil.
func (s *server) pathVersion(w http.ResponseWriter, req *http.Request) *Version {
	v, err := version(req.PathValue("version"))
	if err == nil {
		var got *Version
		if got, err = s.r.Get(req.PathValue("subject"), v); err == nil {
			return got
		}
	}
	s.fail(w, err)
	return nil
}

func (s *server) getVersion(w http.ResponseWriter, req *http.Request) {
	if got := s.pathVersion(w, req); got != nil {
		s.write(w, 200, got)
	}
}

func (s *server) getVersionSchema(w http.ResponseWriter, req *http.Request) {
	got := s.pathVersion(w, req)
	if got == nil {
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = io.WriteString(w, got.Schema)
}

func (s *server) lookup(w http.ResponseWriter, req *http.Request) {
	sr, err := s.body(req)
	if err != nil {
		s.fail(w, err)
		return
	}
	v, err := s.r.Lookup(req.PathValue("subject"), sr.Schema)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, v)
}

func (s *server) deleteSubject(w http.ResponseWriter, req *http.Request) {
	vs, err := s.r.DeleteSubject(req.PathValue("subject"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, vs)
}

func (s *server) byID(w http.ResponseWriter, req *http.Request) {
	id, err := strconv.Atoi(req.PathValue("id"))
	if err != nil {
		s.fail(w, &Error{404, 40403, "Schema not found"})
		return
	}
	text, err := s.r.SchemaByID(id)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, map[string]string{"schema": text})
}

func (s *server) byIDRaw(w http.ResponseWriter, req *http.Request) {
	id, _ := strconv.Atoi(req.PathValue("id"))
	text, err := s.r.SchemaByID(id)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_, _ = io.WriteString(w, text)
}

func (s *server) getConfig(w http.ResponseWriter, req *http.Request) {
	s.write(w, 200, map[string]string{"compatibilityLevel": s.r.Level(req.PathValue("subject"))})
}

func (s *server) putConfig(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Compatibility string `json:"compatibility"`
	}
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&body); err != nil {
		s.fail(w, &Error{400, 400, "Unrecognized request body: " + err.Error()})
		return
	}
	level := strings.ToUpper(body.Compatibility)
	if err := s.r.SetLevel(req.PathValue("subject"), level); err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, map[string]string{"compatibility": level})
}

func (s *server) check(w http.ResponseWriter, req *http.Request) {
	v, err := version(req.PathValue("version"))
	if err != nil {
		s.fail(w, err)
		return
	}
	sr, err := s.body(req)
	if err != nil {
		s.fail(w, err)
		return
	}
	ok, msgs, err := s.r.Check(req.PathValue("subject"), v, sr.Schema)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := map[string]any{"is_compatible": ok}
	if req.URL.Query().Get("verbose") == "true" {
		out["messages"] = msgs
	}
	s.write(w, 200, out)
}
