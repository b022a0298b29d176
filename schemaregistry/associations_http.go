package schemaregistry

import (
	"encoding/json"
	"io"
	"net/http"
)

// addAssociationRoutes serves Confluent's AssociationsResource.
func addAssociationRoutes(mux *http.ServeMux, s *server) {
	mux.HandleFunc("GET /associations/subjects/{subject}", s.assocsBySubject)
	mux.HandleFunc("GET /associations/resources/{resourceNamespace}/{resourceName}", s.assocsByResourceName)
	mux.HandleFunc("GET /associations/resources/{resourceId}", s.assocsByResourceID)
	mux.HandleFunc("POST /associations", s.createAssociation)
	mux.HandleFunc("PUT /associations/resources/{resourceId}", s.upsertAssociation)
	mux.HandleFunc("DELETE /associations/resources/{resourceId}", s.deleteAssociations)
	mux.HandleFunc("POST /associations:batchGet", s.batchGetAssociations)
	mux.HandleFunc("POST /associations:batchMutate", s.batchMutateAssociations)
}

// associationEntity is Confluent's Association as answered: the subject
// unqualified (as stored for the default tenant), frozen only when it is
// not its lifecycle's default.
type associationEntity struct {
	Subject           string `json:"subject,omitempty"`
	GUID              string `json:"guid,omitempty"`
	ResourceName      string `json:"resourceName,omitempty"`
	ResourceNamespace string `json:"resourceNamespace,omitempty"`
	ResourceID        string `json:"resourceId,omitempty"`
	ResourceType      string `json:"resourceType,omitempty"`
	AssociationType   string `json:"associationType,omitempty"`
	Lifecycle         string `json:"lifecycle,omitempty"`
	Frozen            *bool  `json:"frozen,omitempty"`
	CreateTS          int64  `json:"createTs,omitempty"`
	UpdateTS          int64  `json:"updateTs,omitempty"`
}

func toEntities(as []*association) []associationEntity {
	out := make([]associationEntity, 0, len(as))
	for _, a := range as {
		e := associationEntity{Subject: a.Subject, GUID: a.GUID, ResourceName: a.ResourceName, ResourceNamespace: a.ResourceNamespace,
			ResourceID: a.ResourceID, ResourceType: a.ResourceType, AssociationType: a.AssociationType, Lifecycle: a.Lifecycle,
			CreateTS: a.CreateTS, UpdateTS: a.TS}
		if a.Frozen != (a.Lifecycle == LifecycleStrong) {
			e.Frozen = ptrTo(a.Frozen)
		}
		out = append(out, e)
	}
	return out
}

// assocQuery reads resourceType (default topic), associationType (any
// number) and lifecycle; Jersey answers an unknown enum constant 404.
func (s *server) assocQuery(w http.ResponseWriter, req *http.Request) (assocFilter, bool) {
	q := req.URL.Query()
	f := assocFilter{rtype: cmpOr(q.Get("resourceType"), topicResourceType), types: q["associationType"], lifecycle: q.Get("lifecycle")}
	if f.lifecycle != "" && f.lifecycle != LifecycleStrong && f.lifecycle != LifecycleWeak {
		s.fail(w, &Error{404, 404, "HTTP 404 Not Found"})
		return f, false
	}
	return f, true
}

func (s *server) writeAssocs(w http.ResponseWriter, req *http.Request, list func(assocFilter) []*association) {
	f, ok := s.assocQuery(w, req)
	if !ok {
		return
	}
	s.r.mu.RLock()
	as := list(f)
	s.r.mu.RUnlock()
	s.write(w, 200, page(req, toEntities(as)))
}

func (s *server) assocsBySubject(w http.ResponseWriter, req *http.Request) {
	s.writeAssocs(w, req, func(f assocFilter) []*association { return s.r.bySubjectLocked(req.PathValue("subject"), f) })
}

func (s *server) assocsByResourceID(w http.ResponseWriter, req *http.Request) {
	s.writeAssocs(w, req, func(f assocFilter) []*association { return s.r.byResourceIDLocked(req.PathValue("resourceId"), f) })
}

// assocsByResourceName: "-" as the name lists the namespace ("-" too:
// every namespace).
func (s *server) assocsByResourceName(w http.ResponseWriter, req *http.Request) {
	name, ns := req.PathValue("resourceName"), req.PathValue("resourceNamespace")
	s.writeAssocs(w, req, func(f assocFilter) []*association {
		if name == resourceWildcard {
			return s.r.byNamespaceLocked(ns, f)
		}
		return s.r.byResourceNameLocked(name, ns, f)
	})
}

// readJSON decodes a body as Confluent's Jackson reader does: unknown
// properties ignored, malformed JSON a 400.
func readJSON(req *http.Request, v any) error {
	b, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	if err != nil {
		return &Error{400, 400, "cannot read the request body"}
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &Error{400, 400, "Unrecognized request body: " + err.Error()}
	}
	return nil
}

// checkLifecycles refuses a lifecycle other than STRONG or WEAK, as
// Jackson refuses an unknown enum constant.
func checkLifecycles(infos ...*AssociationInfo) error {
	for _, i := range infos {
		if i != nil && i.Lifecycle != nil && *i.Lifecycle != LifecycleStrong && *i.Lifecycle != LifecycleWeak {
			return &Error{400, 400, "Unrecognized request body: lifecycle: not one of the values accepted for Enum class: [STRONG, WEAK]"}
		}
	}
	return nil
}

func (s *server) createAssociation(w http.ResponseWriter, req *http.Request) {
	var body AssociationRequest
	if err := readJSON(req, &body); err != nil {
		s.fail(w, err)
		return
	}
	if err := checkLifecycles(body.Associations...); err != nil {
		s.fail(w, err)
		return
	}
	dryRun := flag(req, "dryRun")
	if err := body.Validate(true, dryRun); err != nil {
		s.fail(w, err)
		return
	}
	s.answerAssociation(w, req, &body, dryRun, true)
}

func (s *server) upsertAssociation(w http.ResponseWriter, req *http.Request) {
	var body AssociationRequest
	if err := readJSON(req, &body); err != nil {
		s.fail(w, err)
		return
	}
	if err := checkLifecycles(body.Associations...); err != nil {
		s.fail(w, err)
		return
	}
	id := req.PathValue("resourceId")
	if body.ResourceID == "" {
		body.ResourceID = id
	} else if body.ResourceID != id {
		s.fail(w, errInvalidAssoc("resourceId", "Resource ID in the path parameter does not match the resource ID in the request body"))
		return
	}
	dryRun := flag(req, "dryRun")
	if err := body.Validate(false, dryRun); err != nil {
		s.fail(w, err)
		return
	}
	s.answerAssociation(w, req, &body, dryRun, false)
}

func (s *server) answerAssociation(w http.ResponseWriter, req *http.Request, body *AssociationRequest, dryRun, isCreate bool) {
	res, err := s.r.CreateOrUpdateAssociations(req.URL.Query().Get("context"), dryRun, body, isCreate)
	if err != nil {
		if _, ok := err.(*Error); !ok {
			err = &Error{500, 50001, "Error while creating association: " + err.Error()}
		}
		s.fail(w, err)
		return
	}
	s.write(w, 200, res)
}

// deleteAssociations answers 204: the resource's associations (of the
// types given) deleted; 404 when it has none.
func (s *server) deleteAssociations(w http.ResponseWriter, req *http.Request) {
	q := req.URL.Query()
	rtype := cmpOr(q.Get("resourceType"), topicResourceType)
	if err := s.r.DeleteAssociations(req.PathValue("resourceId"), rtype, q["associationType"], flag(req, "cascadeLifecycle"), flag(req, "dryRun")); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// readBatch reads a batch body's "requests" list, which may be neither
// missing nor empty.
func readBatch[T any](req *http.Request) ([]*T, error) {
	var body struct {
		Requests []*T `json:"requests"`
	}
	if err := readJSON(req, &body); err != nil {
		return nil, err
	}
	if len(body.Requests) == 0 {
		return nil, errInvalidAssoc("requests", "cannot be null or empty")
	}
	return body.Requests, nil
}

func (s *server) batchGetAssociations(w http.ResponseWriter, req *http.Request) {
	requests, err := readBatch[AssociationGetRequest](req)
	if err != nil {
		s.fail(w, err)
		return
	}
	for _, q := range requests {
		if q != nil && q.Lifecycle != "" && q.Lifecycle != LifecycleStrong && q.Lifecycle != LifecycleWeak {
			s.fail(w, checkLifecycles(&AssociationInfo{Lifecycle: &q.Lifecycle}))
			return
		}
	}
	s.write(w, 207, map[string]any{"results": s.r.BatchGetAssociations(flag(req, "includeSchemas"), requests)})
}

func (s *server) batchMutateAssociations(w http.ResponseWriter, req *http.Request) {
	requests, err := readBatch[AssociationOpRequest](req)
	if err != nil {
		s.fail(w, err)
		return
	}
	for _, r := range requests {
		if r == nil {
			continue
		}
		for _, op := range r.Associations {
			if op == nil {
				continue
			}
			if op.OpType != "CREATE" && op.OpType != "UPSERT" && op.OpType != "DELETE" {
				s.fail(w, &Error{400, 400, "Unrecognized request body: opType: could not resolve type id '" + op.OpType + "' as a subtype of AssociationOp: known type ids = [CREATE, DELETE, UPSERT]"})
				return
			}
			if err := checkLifecycles(&op.AssociationInfo); err != nil {
				s.fail(w, err)
				return
			}
		}
	}
	s.write(w, 207, map[string]any{"results": s.r.MutateAssociations(req.URL.Query().Get("context"), flag(req, "dryRun"), requests)})
}

// schemaAssocFilter reads GET /schemas' association filters
// (resourceType, associationType, lifecycle: STRONG, WEAK or NONE for
// subjects without any), as Confluent's getSchemas: with any of them a
// subject is kept with its matching associations, or without any when
// NONE is asked; nil when there is no filter.
func (s *server) schemaAssocFilter(w http.ResponseWriter, req *http.Request) (func(subject string) ([]associationEntity, bool), bool) {
	q := req.URL.Query()
	rtype, types, lcs := q.Get("resourceType"), q["associationType"], q["lifecycle"]
	_, hasType := q["resourceType"]
	if len(types) == 0 && !hasType && len(lcs) == 0 {
		return nil, true
	}
	wanted := map[string]bool{}
	none := false
	for _, lc := range lcs {
		switch lc {
		case "NONE":
			none = true
		case LifecycleStrong, LifecycleWeak:
			wanted[lc] = true
		default:
			s.fail(w, &Error{404, 404, "HTTP 404 Not Found"})
			return nil, false
		}
	}
	return func(subject string) ([]associationEntity, bool) {
		s.r.mu.RLock()
		as := s.r.bySubjectLocked(subject, assocFilter{rtype: rtype, types: types})
		s.r.mu.RUnlock()
		if len(as) == 0 {
			return nil, none
		}
		if len(wanted) == 0 {
			return toEntities(as), len(lcs) == 0
		}
		var match []*association
		for _, a := range as {
			if wanted[a.Lifecycle] {
				match = append(match, a)
			}
		}
		return toEntities(match), len(match) > 0
	}, true
}
