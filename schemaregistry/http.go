package schemaregistry

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/internal/jerseyroute"
)

const contentType = "application/vnd.schemaregistry.v1+json"

// catchAll is the pattern answering unknown paths.
const catchAll = "/"

// Handler serves Confluent's REST API for the registry. Every route also
// answers with a trailing "/", OPTIONS lists a path's methods, and a
// wrong method is 405, as Confluent's Jersey server does. extra adds
// routes served alike (the DEK registry's).
func Handler(r *Registry, extra ...func(*http.ServeMux)) http.Handler {
	s := &server{r: r}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { s.write(w, 200, map[string]any{}) })
	mux.HandleFunc("GET /subjects", s.listSubjects)
	mux.HandleFunc("GET /subjects/{subject}/versions", s.versions)
	mux.HandleFunc("POST /subjects/{subject}/versions", s.register)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}", s.getVersion)
	mux.HandleFunc("DELETE /subjects/{subject}/versions/{version}", s.deleteVersion)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}/schema", s.getVersionSchema)
	mux.HandleFunc("GET /subjects/{subject}/versions/{version}/referencedby", s.referencedBy)
	mux.HandleFunc("POST /subjects/{subject}/versions/{version}/tags", s.modifyTags)
	mux.HandleFunc("GET /subjects/{subject}/metadata", s.latestWithMetadata)
	mux.HandleFunc("POST /subjects/{subject}", s.lookup)
	mux.HandleFunc("DELETE /subjects/{subject}", s.deleteSubject)
	mux.HandleFunc("GET /schemas", s.listSchemas)
	mux.HandleFunc("GET /schemas/ids/{id}", s.byID)
	mux.HandleFunc("GET /schemas/ids/{id}/schema", s.byIDRaw)
	mux.HandleFunc("GET /schemas/ids/{id}/subjects", s.idSubjects)
	mux.HandleFunc("GET /schemas/ids/{id}/versions", s.idVersions)
	mux.HandleFunc("GET /schemas/guids/{guid}", s.byGUID)
	mux.HandleFunc("GET /schemas/guids/{guid}/ids", s.guidIDs)
	mux.HandleFunc("GET /schemas/types", func(w http.ResponseWriter, _ *http.Request) { s.write(w, 200, r.Types()) })
	mux.HandleFunc("GET /config", s.getConfig)
	mux.HandleFunc("PUT /config", s.putConfig)
	mux.HandleFunc("DELETE /config", s.deleteConfig)
	mux.HandleFunc("GET /config/{subject}", s.getConfig)
	mux.HandleFunc("PUT /config/{subject}", s.putConfig)
	mux.HandleFunc("DELETE /config/{subject}", s.deleteConfig)
	mux.HandleFunc("GET /mode", s.getMode)
	mux.HandleFunc("PUT /mode", s.putMode)
	mux.HandleFunc("DELETE /mode", s.deleteMode)
	mux.HandleFunc("GET /mode/{subject}", s.getMode)
	mux.HandleFunc("PUT /mode/{subject}", s.putMode)
	mux.HandleFunc("DELETE /mode/{subject}", s.deleteMode)
	mux.HandleFunc("GET /contexts", s.listContexts)
	mux.HandleFunc("DELETE /contexts/{context}", s.deleteContext)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions", s.check)
	mux.HandleFunc("POST /compatibility/subjects/{subject}/versions/{version}", s.check)
	addAssociationRoutes(mux, s)
	for _, add := range extra {
		add(mux)
	}
	mux.HandleFunc(catchAll, func(w http.ResponseWriter, _ *http.Request) { s.fail(w, &Error{404, 404, "HTTP 404 Not Found"}) })
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		req = jerseyroute.TrimSlash(req)
		if _, pattern := mux.Handler(req); pattern != catchAll && pattern != "" {
			mux.ServeHTTP(w, req)
			return
		}
		allowed := jerseyroute.Allowed(mux, req, catchAll)
		switch {
		case allowed == nil:
			s.fail(w, &Error{404, 404, "HTTP 404 Not Found"})
		case req.Method == http.MethodOptions:
			jerseyroute.WriteOptions(w, req, allowed)
		default:
			// No Allow header: Confluent's exception mapper (rest-utils)
			// rebuilds Jersey's 405 from its status, as Connect's does.
			s.fail(w, &Error{405, 405, "HTTP 405 Method Not Allowed"})
		}
	})
}

type server struct{ r *Registry }

func (s *server) write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *server) writeRaw(w http.ResponseWriter, text string) {
	w.Header().Set("Content-Type", contentType)
	_, _ = io.WriteString(w, text)
}

func (s *server) fail(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{500, 50001, err.Error()}
	}
	s.write(w, e.Status, map[string]any{"error_code": e.Code, "message": e.Message})
}

// flag reads a boolean query parameter as Jersey does: "true" in any case.
func flag(req *http.Request, name string) bool {
	return strings.EqualFold(req.URL.Query().Get(name), "true")
}

func filterOf(req *http.Request) Filter {
	switch {
	case flag(req, "deletedOnly"):
		return DeletedOnly
	case flag(req, "deleted"):
		return WithDeleted
	}
	return Live
}

// page applies offset and limit (-1 = all) to a list.
func page[T any](req *http.Request, list []T) []T {
	q := req.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit := -1
	if l := q.Get("limit"); l != "" {
		limit, _ = strconv.Atoi(l)
	}
	if offset > len(list) {
		offset = len(list)
	}
	if offset > 0 {
		list = list[offset:]
	}
	if limit >= 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
}

func (s *server) body(req *http.Request) (*RegisterRequest, error) {
	b, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		return nil, &Error{400, 400, "cannot read the request body"}
	}
	var sr RegisterRequest
	if err := json.Unmarshal(b, &sr); err != nil {
		return nil, &Error{400, 400, "Unrecognized request body: " + err.Error()}
	}
	return &sr, nil
}

// parseVersion reads a version of a path: 1..2^31-1, or "latest" (-1).
func parseVersion(raw string) (int, error) {
	if raw == "latest" || raw == "-1" {
		return -1, nil
	}
	v, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || v < 1 {
		return 0, &Error{422, 42202, "The specified version '" + raw + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""}
	}
	return int(v), nil
}

// schemaResponse is a version as the API answers it: Confluent 8's
// Schema entity (its GUID, schemaType AVRO too, deleted; Confluent 7 left
// out AVRO and had neither guid, ts nor deleted); ts is the record's
// Kafka timestamp in ms.
type schemaResponse struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int             `json:"id"`
	GUID       string          `json:"guid"`
	SchemaType string          `json:"schemaType"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
	SchemaTags []SchemaTags    `json:"schemaTags,omitempty"`
	TS         int64           `json:"ts,omitempty"`
	Deleted    bool            `json:"deleted"`
	// Associations of the subject, on GET /schemas filtered by them.
	Associations []associationEntity `json:"associations,omitempty"`
}

func response(v *Version) schemaResponse {
	return schemaResponse{Subject: v.Subject, Version: v.Version, ID: v.ID, GUID: v.guid(), SchemaType: v.typeName(),
		References: v.References, Metadata: v.Metadata, RuleSet: v.RuleSet, Schema: v.Schema, TS: v.TS, Deleted: v.Deleted}
}

func (s *server) listSubjects(w http.ResponseWriter, req *http.Request) {
	s.write(w, 200, page(req, s.r.ListSubjects(req.URL.Query().Get("subjectPrefix"), filterOf(req))))
}

func (s *server) versions(w http.ResponseWriter, req *http.Request) {
	subject := req.PathValue("subject")
	if flag(req, "deletedAsNegative") {
		// Every version, the soft-deleted ones as negative numbers.
		all, err := s.r.ListVersions(subject, WithDeleted)
		if err != nil {
			s.fail(w, err)
			return
		}
		for i, n := range all {
			if v, err := s.r.Get(subject, n, false); err != nil || v == nil {
				all[i] = -n
			}
		}
		s.write(w, 200, page(req, all))
		return
	}
	vs, err := s.r.ListVersions(subject, filterOf(req))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, page(req, vs))
}

func (s *server) register(w http.ResponseWriter, req *http.Request) {
	sr, err := s.body(req)
	if err != nil {
		s.fail(w, err)
		return
	}
	// As Confluent's registerOrForward, a request changing or
	// propagating tags is not looked up first.
	sr.lookupOnly = isLookupOnly(req.Context())
	if sr.lookupOnly && (sr.hasTagOps() || sr.propagate()) {
		w.Header().Set(needsLeaderHeader, "1")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	v, stored, err := s.r.registerSchema(req.PathValue("subject"), *sr, flag(req, "normalize"))
	if err != nil && sr.lookupOnly {
		// Not found here: the leader registers it (or answers the error
		// on its own state).
		w.Header().Set(needsLeaderHeader, "1")
		w.WriteHeader(http.StatusAccepted)
		return
	}
	if err != nil {
		s.fail(w, err)
		return
	}
	out := registerResponse(v)
	if stored {
		deleted := v.Deleted
		out.TS, out.Deleted = v.TS, &deleted
	}
	s.write(w, 200, out)
}

// registerAnswer is a registration's answer as Confluent 8 writes its
// RegisterSchemaResponse: the version registered or found, its GUID, type
// (AVRO too), references, metadata, rule set and stored text. Confluent 7
// answered {"id":N}; clients read id and ignore the rest.
type registerAnswer struct {
	ID         int             `json:"id"`
	Version    int             `json:"version,omitempty"`
	GUID       string          `json:"guid"`
	SchemaType string          `json:"schemaType"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
	// TS and Deleted are there only when the answer is the stored
	// version (see registerSchema).
	TS      int64 `json:"ts,omitempty"`
	Deleted *bool `json:"deleted,omitempty"`
}

func registerResponse(v *Version) registerAnswer {
	return registerAnswer{ID: v.ID, Version: v.Version, GUID: v.guid(), SchemaType: v.typeName(),
		References: v.References, Metadata: v.Metadata, RuleSet: v.RuleSet, Schema: v.Schema}
}

// pathVersion finds the subject version a path names; it has answered
// the request with the error when it returns nil.
func (s *server) pathVersion(w http.ResponseWriter, req *http.Request) *Version {
	v, err := parseVersion(req.PathValue("version"))
	if err == nil {
		var got *Version
		if got, err = s.r.Get(req.PathValue("subject"), v, flag(req, "deleted")); err == nil {
			return got
		}
	}
	s.fail(w, err)
	return nil
}

func (s *server) getVersion(w http.ResponseWriter, req *http.Request) {
	got := s.pathVersion(w, req)
	if got == nil {
		return
	}
	tags, ok := s.findTags(w, req, got)
	if !ok {
		return
	}
	if text, ok := s.formatted(w, req, got); ok {
		out := response(got)
		out.Schema = text
		out.References = referenceFormat(req, got)
		out.SchemaTags = tags
		s.write(w, 200, out)
	}
}

// findTags answers ?findTags= (repeated, "*" for all): the version's
// tagged entities; it has answered the error when ok is false.
func (s *server) findTags(w http.ResponseWriter, req *http.Request, v *Version) ([]SchemaTags, bool) {
	find := req.URL.Query()["findTags"]
	if len(find) == 0 {
		return nil, true
	}
	tags, err := s.r.SchemaTagsOf(v, find)
	if err != nil {
		s.fail(w, err)
		return nil, false
	}
	return tags, true
}

// modifyTags answers POST /subjects/{s}/versions/{v}/tags as a
// registration.
func (s *server) modifyTags(w http.ResponseWriter, req *http.Request) {
	if err := validSubject(req.PathValue("subject"), false); err != nil {
		s.fail(w, err)
		return
	}
	version, err := parseVersion(req.PathValue("version"))
	if err != nil {
		s.fail(w, err)
		return
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		s.fail(w, &Error{400, 400, "cannot read the request body"})
		return
	}
	var body TagSchemaRequest
	if err := json.Unmarshal(b, &body); err != nil {
		s.fail(w, &Error{400, 400, "Unrecognized request body: " + err.Error()})
		return
	}
	v, stored, err := s.r.ModifySchemaTags(req.PathValue("subject"), version, body)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := registerResponse(v)
	if stored {
		deleted := v.Deleted
		out.TS, out.Deleted = v.TS, &deleted
	}
	s.write(w, 200, out)
}

// formatted answers a version's text in the request's ?format=; it has
// answered the error when ok is false.
func (s *server) formatted(w http.ResponseWriter, req *http.Request, v *Version) (string, bool) {
	text, err := s.r.Formatted(v, req.URL.Query().Get("format"))
	if err != nil {
		s.fail(w, err)
		return "", false
	}
	return text, true
}

func (s *server) writeFormatted(w http.ResponseWriter, req *http.Request, v *Version) {
	if text, ok := s.formatted(w, req, v); ok {
		out := response(v)
		out.Schema = text
		out.References = referenceFormat(req, v)
		s.write(w, 200, out)
	}
}

// referenceFormat gives a version's references as ?referenceFormat=
// asks: "qualified" writes the subjects of a schema outside the default
// context with that context, as Confluent does.
func referenceFormat(req *http.Request, v *Version) []Reference {
	if req.URL.Query().Get("referenceFormat") != "qualified" || contextOf(v.Subject) == DefaultContext || len(v.References) == 0 {
		return v.References
	}
	out := make([]Reference, len(v.References))
	for i, r := range v.References {
		r.Subject = withParentContext(v.Subject, r.Subject)
		out[i] = r
	}
	return out
}

func (s *server) getVersionSchema(w http.ResponseWriter, req *http.Request) {
	if got := s.pathVersion(w, req); got != nil {
		if text, ok := s.formatted(w, req, got); ok {
			s.writeRaw(w, text)
		}
	}
}

func (s *server) referencedBy(w http.ResponseWriter, req *http.Request) {
	v, err := parseVersion(req.PathValue("version"))
	if err != nil {
		s.fail(w, err)
		return
	}
	ids, err := s.r.ReferencedBy(req.PathValue("subject"), v, flag(req, "deleted"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, page(req, ids))
}

func (s *server) deleteVersion(w http.ResponseWriter, req *http.Request) {
	v, err := parseVersion(req.PathValue("version"))
	if err != nil {
		s.fail(w, err)
		return
	}
	deleted, err := s.r.DeleteVersion(req.PathValue("subject"), v, flag(req, "permanent"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, deleted)
}

// latestWithMetadata answers GET /subjects/{s}/metadata?key=k&value=v:
// the latest version whose metadata properties hold every pair, as
// Confluent decides it: keys and values paired by position (a key without
// a value is dropped, a repeated key keeps its last value), a version
// without metadata never matches (one with empty metadata matches no
// pairs), format= applies.
func (s *server) latestWithMetadata(w http.ResponseWriter, req *http.Request) {
	subject := req.PathValue("subject")
	q := req.URL.Query()
	keys, values := q["key"], q["value"]
	want := map[string]string{}
	for i := 0; i < min(len(keys), len(values)); i++ {
		want[keys[i]] = values[i]
	}
	vs, err := s.r.ListVersions(subject, filterOf(req))
	if err != nil {
		s.fail(w, err)
		return
	}
	for i := len(vs) - 1; i >= 0; i-- {
		v, err := s.r.Get(subject, vs[i], true)
		if err != nil {
			continue
		}
		var md struct {
			Properties map[string]string `json:"properties"`
		}
		if absentJSON(v.Metadata) || json.Unmarshal(v.Metadata, &md) != nil {
			continue
		}
		ok := true
		for k, val := range want {
			if got, has := md.Properties[k]; !has || got != val {
				ok = false
			}
		}
		if ok {
			s.writeFormatted(w, req, v)
			return
		}
	}
	s.fail(w, errSchemaNotFound())
}

func (s *server) lookup(w http.ResponseWriter, req *http.Request) {
	sr, err := s.body(req)
	if err != nil {
		s.fail(w, err)
		return
	}
	v, err := s.r.Lookup(req.PathValue("subject"), *sr, flag(req, "normalize"), flag(req, "deleted"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.writeFormatted(w, req, v)
}

func (s *server) deleteSubject(w http.ResponseWriter, req *http.Request) {
	vs, err := s.r.DeleteSubject(req.PathValue("subject"), flag(req, "permanent"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, vs)
}

// listSchemas answers GET /schemas: every version (latest only with
// latestOnly=true) of the subjects matching subjectPrefix.
func (s *server) listSchemas(w http.ResponseWriter, req *http.Request) {
	f := Live
	if flag(req, "deleted") {
		f = WithDeleted
	}
	latestOnly := flag(req, "latestOnly")
	assocs, ok := s.schemaAssocFilter(w, req)
	if !ok {
		return
	}
	out := []schemaResponse{}
	for _, subj := range s.r.ListSubjects(req.URL.Query().Get("subjectPrefix"), f) {
		vs, _ := s.r.ListVersions(subj, f)
		if latestOnly && len(vs) > 0 {
			vs = vs[len(vs)-1:]
		}
		for _, n := range vs {
			if v, err := s.r.Get(subj, n, true); err == nil {
				resp := response(v)
				if assocs != nil {
					if resp.Associations, ok = assocs(subj); !ok {
						continue
					}
				}
				out = append(out, resp)
			}
		}
	}
	s.write(w, 200, page(req, out))
}

// pathID reads the id of a path; Jersey answers a non-integer one 404.
func (s *server) pathID(w http.ResponseWriter, req *http.Request) (int, bool) {
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 32)
	if err != nil {
		s.fail(w, &Error{404, 404, "HTTP 404 Not Found"})
		return 0, false
	}
	return int(id), true
}

// schemaString is GET /schemas/ids/{id}'s answer (Confluent's SchemaString).
type schemaString struct {
	Subject    string          `json:"subject,omitempty"`
	Version    int             `json:"version,omitempty"`
	GUID       string          `json:"guid,omitempty"`
	SchemaType string          `json:"schemaType,omitempty"`
	Schema     string          `json:"schema"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	SchemaTags []SchemaTags    `json:"schemaTags,omitempty"`
	MaxID      *int            `json:"maxId,omitempty"`
	TS         int64           `json:"ts,omitempty"`
	// Deleted is the found version's flag: a Boolean, which Jackson's
	// NON_EMPTY keeps when false.
	Deleted bool `json:"deleted"`
}

func (s *server) byID(w http.ResponseWriter, req *http.Request) {
	id, ok := s.pathID(w, req)
	if !ok {
		return
	}
	subject := req.URL.Query().Get("subject")
	v, err := s.r.SchemaByID(id, subject)
	if err != nil {
		s.fail(w, err)
		return
	}
	tags, ok := s.findTags(w, req, v)
	if !ok {
		return
	}
	text, ok := s.formatted(w, req, v)
	if !ok {
		return
	}
	r := response(v)
	out := schemaString{GUID: v.guid(), SchemaType: r.SchemaType, Schema: text, References: referenceFormat(req, v),
		Metadata: v.Metadata, RuleSet: v.RuleSet, SchemaTags: tags, TS: v.TS, Deleted: v.Deleted}
	if req.URL.Query().Has("subject") {
		// Confluent names the found version's subject and version only
		// when the request names a subject (even an empty one).
		out.Subject, out.Version = v.Subject, v.Version
	}
	if flag(req, "fetchMaxId") {
		m := s.r.MaxID(subject)
		out.MaxID = &m
	}
	s.write(w, 200, out)
}

// byGUID answers GET /schemas/guids/{guid} as Confluent's getSchemaByGuid:
// the SchemaString of the id holding it, without subject and version;
// format= applies.
func (s *server) byGUID(w http.ResponseWriter, req *http.Request) {
	v, err := s.r.SchemaByGUID(req.PathValue("guid"))
	if err != nil {
		s.fail(w, err)
		return
	}
	text, ok := s.formatted(w, req, v)
	if !ok {
		return
	}
	r := response(v)
	s.write(w, 200, schemaString{GUID: v.guid(), SchemaType: r.SchemaType, Schema: text, References: v.References,
		Metadata: v.Metadata, RuleSet: v.RuleSet, TS: v.TS, Deleted: v.Deleted})
}

// guidIDs answers GET /schemas/guids/{guid}/ids: the GUID's id in each
// context holding it ([] when none, as Confluent answers).
func (s *server) guidIDs(w http.ResponseWriter, req *http.Request) {
	ids := s.r.GUIDIDs(req.PathValue("guid"))
	if ids == nil {
		ids = []ContextID{}
	}
	s.write(w, 200, ids)
}

func (s *server) byIDRaw(w http.ResponseWriter, req *http.Request) {
	id, ok := s.pathID(w, req)
	if !ok {
		return
	}
	v, err := s.r.SchemaByID(id, req.URL.Query().Get("subject"))
	if err != nil {
		s.fail(w, err)
		return
	}
	if text, ok := s.formatted(w, req, v); ok {
		s.writeRaw(w, text)
	}
}

func (s *server) idVersionList(w http.ResponseWriter, req *http.Request) ([]SubjectVersion, bool) {
	id, ok := s.pathID(w, req)
	if !ok {
		return nil, false
	}
	svs, err := s.r.IDVersions(id, req.URL.Query().Get("subject"), flag(req, "deleted"))
	if err != nil {
		s.fail(w, err)
		return nil, false
	}
	return svs, true
}

func (s *server) idSubjects(w http.ResponseWriter, req *http.Request) {
	svs, ok := s.idVersionList(w, req)
	if !ok {
		return
	}
	out := []string{}
	for _, sv := range svs {
		if len(out) == 0 || out[len(out)-1] != sv.Subject {
			out = append(out, sv.Subject)
		}
	}
	s.write(w, 200, page(req, out))
}

func (s *server) idVersions(w http.ResponseWriter, req *http.Request) {
	if svs, ok := s.idVersionList(w, req); ok {
		s.write(w, 200, page(req, svs))
	}
}

func (s *server) getConfig(w http.ResponseWriter, req *http.Request) {
	c, err := s.r.GetConfig(req.PathValue("subject"), flag(req, "defaultToGlobal"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, c)
}

func (s *server) putConfig(w http.ResponseWriter, req *http.Request) {
	var body ConfigUpdate
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&body); err != nil {
		s.fail(w, &Error{400, 400, "Unrecognized request body: " + err.Error()})
		return
	}
	c, err := s.r.SetConfig(req.PathValue("subject"), body)
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, ConfigUpdate{Alias: c.Alias, Normalize: c.Normalize, ValidateFields: c.ValidateFields,
		Compatibility: c.CompatibilityLevel, CompatibilityGroup: c.CompatibilityGroup,
		DefaultMetadata: c.DefaultMetadata, OverrideMetadata: c.OverrideMetadata,
		DefaultRuleSet: c.DefaultRuleSet, OverrideRuleSet: c.OverrideRuleSet})
}

func (s *server) deleteConfig(w http.ResponseWriter, req *http.Request) {
	c, err := s.r.DeleteConfig(req.PathValue("subject"))
	if err != nil {
		s.fail(w, err)
		return
	}
	c.Subject = ""
	s.write(w, 200, c)
}

func (s *server) getMode(w http.ResponseWriter, req *http.Request) {
	m, err := s.r.GetMode(req.PathValue("subject"), flag(req, "defaultToGlobal"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, map[string]string{"mode": m})
}

func (s *server) putMode(w http.ResponseWriter, req *http.Request) {
	var body struct {
		Mode string `json:"mode"`
	}
	if err := json.NewDecoder(io.LimitReader(req.Body, 1<<20)).Decode(&body); err != nil {
		s.fail(w, &Error{400, 400, "Unrecognized request body: " + err.Error()})
		return
	}
	if err := s.r.SetMode(req.PathValue("subject"), body.Mode, flag(req, "force")); err != nil {
		s.fail(w, err)
		return
	}
	// Confluent answers the request as it came.
	s.write(w, 200, map[string]string{"mode": body.Mode})
}

func (s *server) deleteMode(w http.ResponseWriter, req *http.Request) {
	m, err := s.r.DeleteMode(req.PathValue("subject"))
	if err != nil {
		s.fail(w, err)
		return
	}
	s.write(w, 200, map[string]string{"mode": m})
}

func (s *server) listContexts(w http.ResponseWriter, req *http.Request) {
	out := []string{}
	prefix := req.URL.Query().Get("contextPrefix")
	for _, c := range s.r.Contexts() {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	s.write(w, 200, page(req, out))
}

func (s *server) deleteContext(w http.ResponseWriter, req *http.Request) {
	if err := s.r.DeleteContext(req.PathValue("context")); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// check answers both compatibility routes: against one version, or (no
// version in the path) against the subject's versions.
func (s *server) check(w http.ResponseWriter, req *http.Request) {
	v := 0
	if raw := req.PathValue("version"); raw != "" {
		var err error
		if v, err = parseVersion(raw); err != nil {
			s.fail(w, err)
			return
		}
	}
	sr, err := s.body(req)
	if err != nil {
		s.fail(w, err)
		return
	}
	ok, msgs, err := s.r.Check(req.PathValue("subject"), v, *sr, flag(req, "normalize"))
	if err != nil {
		s.fail(w, err)
		return
	}
	out := map[string]any{"is_compatible": ok}
	if flag(req, "verbose") {
		if msgs == nil {
			msgs = []string{}
		}
		out["messages"] = msgs
	}
	s.write(w, 200, out)
}
