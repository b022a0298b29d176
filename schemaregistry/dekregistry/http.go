package dekregistry

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const contentType = "application/vnd.schemaregistry.v1+json"

// Prefix is where Confluent serves the DEK registry.
const Prefix = "/dek-registry/v1/keks"

// Routes registers the DEK registry's endpoints on mux (paths already
// without a trailing "/").
func Routes(mux *http.ServeMux, r *Registry) {
	s := &server{r: r}
	mux.HandleFunc("GET "+Prefix, s.listKEKs)
	mux.HandleFunc("POST "+Prefix, s.createKEK)
	mux.HandleFunc("GET "+Prefix+"/{name}", s.getKEK)
	mux.HandleFunc("PUT "+Prefix+"/{name}", s.putKEK)
	mux.HandleFunc("DELETE "+Prefix+"/{name}", s.deleteKEK)
	mux.HandleFunc("POST "+Prefix+"/{name}/undelete", s.undeleteKEK)
	mux.HandleFunc("POST "+Prefix+"/{name}/test", s.testKEK)
	mux.HandleFunc("GET "+Prefix+"/{name}/deks", s.listDEKs)
	mux.HandleFunc("POST "+Prefix+"/{name}/deks", s.createDEK)
	mux.HandleFunc("POST "+Prefix+"/{name}/deks/{subject}", s.createDEK)
	mux.HandleFunc("GET "+Prefix+"/{name}/deks/{subject}", s.getDEK)
	mux.HandleFunc("DELETE "+Prefix+"/{name}/deks/{subject}", s.deleteDEK)
	mux.HandleFunc("POST "+Prefix+"/{name}/deks/{subject}/undelete", s.undeleteDEK)
	mux.HandleFunc("GET "+Prefix+"/{name}/deks/{subject}/versions", s.dekVersions)
	mux.HandleFunc("GET "+Prefix+"/{name}/deks/{subject}/versions/{version}", s.getDEK)
	mux.HandleFunc("DELETE "+Prefix+"/{name}/deks/{subject}/versions/{version}", s.deleteDEK)
	mux.HandleFunc("POST "+Prefix+"/{name}/deks/{subject}/versions/{version}/undelete", s.undeleteDEK)
}

type server struct{ r *Registry }

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{500, 50001, err.Error()}
	}
	write(w, e.Status, map[string]any{"error_code": e.Code, "message": e.Message})
}

func flag(req *http.Request, name string) bool {
	return strings.EqualFold(req.URL.Query().Get(name), "true")
}

func decode(req *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		return &Error{400, 400, "Unrecognized request body: " + err.Error()}
	}
	return nil
}

// page applies offset and limit (-1 = all), as Confluent's skip/limit.
func page[T any](req *http.Request, list []T) []T {
	q := req.URL.Query()
	offset, _ := strconv.Atoi(q.Get("offset"))
	limit := -1
	if l := q.Get("limit"); l != "" {
		limit, _ = strconv.Atoi(l)
	}
	offset = min(max(offset, 0), len(list))
	list = list[offset:]
	if limit >= 0 && limit < len(list) {
		list = list[:limit]
	}
	return list
}

// pathVersion reads {version}: 1..2^31-1 or "latest"/-1 (-1); no
// {version} is 0. 42202 otherwise, as the schema registry's VersionId.
func pathVersion(req *http.Request, absent int) (int, error) {
	raw := req.PathValue("version")
	if raw == "" {
		return absent, nil
	}
	if raw == "latest" || raw == "-1" {
		return -1, nil
	}
	v, err := strconv.ParseInt(raw, 10, 32)
	if err != nil || v < 1 {
		return 0, &Error{422, 42202, "The specified version '" + raw + "' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\""}
	}
	return int(v), nil
}

func (s *server) listKEKs(w http.ResponseWriter, req *http.Request) {
	write(w, 200, page(req, s.r.KEKNames(req.URL.Query()["subjectPrefix"], flag(req, "deleted"))))
}

func (s *server) getKEK(w http.ResponseWriter, req *http.Request) {
	k, err := s.r.GetKEK(req.PathValue("name"), flag(req, "deleted"))
	if err != nil {
		fail(w, err)
		return
	}
	write(w, 200, k)
}

func (s *server) createKEK(w http.ResponseWriter, req *http.Request) {
	var body CreateKEKRequest
	if err := decode(req, &body); err != nil {
		fail(w, err)
		return
	}
	k, err := s.r.CreateKEKTesting(body, flag(req, "testSharing"))
	if err != nil {
		fail(w, err)
		return
	}
	write(w, 200, k)
}

func (s *server) putKEK(w http.ResponseWriter, req *http.Request) {
	var body UpdateKEKRequest
	if err := decode(req, &body); err != nil {
		fail(w, err)
		return
	}
	k, err := s.r.UpdateKEKTesting(req.PathValue("name"), body, flag(req, "testSharing"))
	if err != nil {
		fail(w, err)
		return
	}
	write(w, 200, k)
}

func (s *server) testKEK(w http.ResponseWriter, req *http.Request) {
	b, err := s.r.TestKEK(req.PathValue("name"))
	if err != nil {
		fail(w, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(200)
	_, _ = w.Write(b)
}

func (s *server) deleteKEK(w http.ResponseWriter, req *http.Request) {
	if err := s.r.DeleteKEK(req.PathValue("name"), flag(req, "permanent")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) undeleteKEK(w http.ResponseWriter, req *http.Request) {
	if err := s.r.UndeleteKEK(req.PathValue("name")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) listDEKs(w http.ResponseWriter, req *http.Request) {
	subjects, err := s.r.DEKSubjects(req.PathValue("name"), flag(req, "deleted"))
	if err != nil {
		fail(w, err)
		return
	}
	write(w, 200, page(req, subjects))
}

func (s *server) createDEK(w http.ResponseWriter, req *http.Request) {
	var body CreateDEKRequest
	if err := decode(req, &body); err != nil {
		fail(w, err)
		return
	}
	if subject := req.PathValue("subject"); subject != "" {
		// The path's subject wins, as in Confluent.
		body.Subject = subject
	}
	d, err := s.r.CreateDEK(req.PathValue("name"), flag(req, "rewrap"), body)
	if err != nil {
		fail(w, err)
		return
	}
	write(w, 200, d)
}

func (s *server) getDEK(w http.ResponseWriter, req *http.Request) {
	v, err := pathVersion(req, 1)
	if err != nil {
		fail(w, err)
		return
	}
	d, err := s.r.GetDEK(req.PathValue("name"), req.PathValue("subject"), v, req.URL.Query().Get("algorithm"), flag(req, "deleted"))
	if err != nil {
		fail(w, err)
		return
	}
	write(w, 200, d)
}

func (s *server) dekVersions(w http.ResponseWriter, req *http.Request) {
	vs, err := s.r.DEKVersions(req.PathValue("name"), req.PathValue("subject"), req.URL.Query().Get("algorithm"), flag(req, "deleted"))
	if err != nil {
		fail(w, err)
		return
	}
	write(w, 200, page(req, vs))
}

func (s *server) deleteDEK(w http.ResponseWriter, req *http.Request) {
	v, err := pathVersion(req, 0)
	if err != nil {
		fail(w, err)
		return
	}
	if err := s.r.DeleteDEK(req.PathValue("name"), req.PathValue("subject"), v, req.URL.Query().Get("algorithm"), flag(req, "permanent")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) undeleteDEK(w http.ResponseWriter, req *http.Request) {
	v, err := pathVersion(req, 0)
	if err != nil {
		fail(w, err)
		return
	}
	if err := s.r.UndeleteDEK(req.PathValue("name"), req.PathValue("subject"), v, req.URL.Query().Get("algorithm")); err != nil {
		fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
