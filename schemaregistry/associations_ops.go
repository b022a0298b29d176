package schemaregistry

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// AssociationInfo is one association of a create or update request
// (Confluent's AssociationCreateOrUpdateInfo); nil is absent.
type AssociationInfo struct {
	Subject         *string          `json:"subject,omitempty"`
	AssociationType string           `json:"associationType,omitempty"`
	Lifecycle       *string          `json:"lifecycle,omitempty"`
	Frozen          *bool            `json:"frozen,omitempty"`
	Schema          *RegisterRequest `json:"schema,omitempty"`
	Normalize       *bool            `json:"normalize,omitempty"`
}

// AssociationRequest is a create or update request for one resource.
type AssociationRequest struct {
	ResourceName      string             `json:"resourceName,omitempty"`
	ResourceNamespace string             `json:"resourceNamespace,omitempty"`
	ResourceID        string             `json:"resourceId,omitempty"`
	ResourceType      string             `json:"resourceType,omitempty"`
	Associations      []*AssociationInfo `json:"associations,omitempty"`
}

func ptrTo[T any](v T) *T { return &v }

func (i *AssociationInfo) normalize() bool { return i.Normalize != nil && *i.Normalize }

// applyDefaults is applyDefaults of Confluent's info: an association
// being created with a schema is STRONG and frozen, without one WEAK
// unless said; an upsert never carries a schema.
func (i *AssociationInfo) applyDefaults(isCreate bool) error {
	if !isCreate && i.Schema != nil {
		return errInvalidAssoc("schema", "cannot be provided when adding an association to an existing topic; an association with a schema must be created with the topic")
	}
	if i.Schema != nil {
		if i.Lifecycle != nil && *i.Lifecycle == LifecycleWeak {
			return errInvalidAssoc("lifecycle", "cannot be WEAK when schema is provided")
		}
		if i.Frozen != nil && !*i.Frozen {
			return errInvalidAssoc("frozen", "cannot be false when a schema is provided")
		}
		i.Lifecycle = ptrTo(LifecycleStrong)
	} else if i.Lifecycle == nil {
		i.Lifecycle = ptrTo(LifecycleWeak)
	}
	want := *i.Lifecycle == LifecycleStrong
	if i.Frozen != nil && *i.Frozen != want {
		return errInvalidAssoc("frozen", fmt.Sprintf("association with lifecycle of %s cannot be frozen=%t", *i.Lifecycle, *i.Frozen))
	}
	i.Frozen = ptrTo(want)
	return nil
}

// validateBase is the checks every create or upsert makes of one
// association: subject, association type (default value), WEAK rules.
func (i *AssociationInfo) validateBase() error {
	if err := checkAssocSubject(i.Subject); err != nil {
		return err
	}
	switch i.AssociationType {
	case "":
		i.AssociationType = "value"
	case "key", "value":
	default:
		return errInvalidAssoc("associationType", "must be either 'key' or 'value'")
	}
	if i.Lifecycle != nil && *i.Lifecycle == LifecycleWeak {
		if i.Schema != nil {
			return errInvalidAssoc("lifecycle", "cannot be WEAK when schema is provided")
		}
		if i.Frozen != nil && *i.Frozen {
			return errInvalidAssoc("frozen", "association with lifecycle of WEAK cannot be frozen")
		}
	}
	return nil
}

// validateResource checks the resource fields of a request; the type
// defaults to topic, the only one.
func validateResource(name, namespace, id string, rtype *string, dryRun bool) error {
	if err := checkName(name, "resourceName"); err != nil {
		return err
	}
	if err := checkName(namespace, "resourceNamespace"); err != nil {
		return err
	}
	if !dryRun && id == "" {
		return errInvalidAssoc("resourceId", "cannot be null or empty")
	}
	if *rtype == "" {
		*rtype = topicResourceType
	} else if *rtype != topicResourceType {
		return errInvalidAssoc("resourceType", "must be 'topic'")
	}
	return nil
}

// defaultSubject is the subject a frozen association of a resource must
// use: the resource name and type in a context named after the namespace.
func defaultSubject(namespace, name, atype string) string {
	return ":." + namespace + ":" + name + "-" + atype
}

// Validate is AssociationCreateOrUpdateRequest.validate: for a create the
// defaults are applied and the subject defaults to the default subject.
func (req *AssociationRequest) Validate(isCreate, dryRun bool) error {
	if err := validateResource(req.ResourceName, req.ResourceNamespace, req.ResourceID, &req.ResourceType, dryRun); err != nil {
		return err
	}
	if len(req.Associations) == 0 {
		return errInvalidAssoc("associations", "cannot be null or empty")
	}
	for _, info := range req.Associations {
		if info == nil {
			return errInvalidAssoc("associations", "cannot be null or empty")
		}
		if err := checkAssocSubject(info.Subject); err != nil {
			return err
		}
		if isCreate {
			if err := info.applyDefaults(true); err != nil {
				return err
			}
		}
		if err := info.validateBase(); err != nil {
			return err
		}
		weak := info.Lifecycle != nil && *info.Lifecycle == LifecycleWeak
		if isCreate && weak && info.Subject == nil {
			return errInvalidAssoc("subject", "must be provided for WEAK associations")
		}
		if !isCreate {
			continue
		}
		def := defaultSubject(req.ResourceNamespace, req.ResourceName, info.AssociationType)
		if info.Subject == nil {
			info.Subject = ptrTo(def)
		}
		if info.Frozen != nil && *info.Frozen && *info.Subject != def {
			return errInvalidAssoc("subject", "frozen associations must use subject '"+def+"'")
		}
		if weak && *info.Subject == def {
			return errInvalidAssoc("subject", "WEAK associations cannot use subject '"+def+"'")
		}
	}
	return nil
}

// AssociationAnswer is one association of a response (AssociationInfo):
// frozen only when it is not its lifecycle's default.
type AssociationAnswer struct {
	Subject         string       `json:"subject,omitempty"`
	AssociationType string       `json:"associationType,omitempty"`
	Lifecycle       string       `json:"lifecycle,omitempty"`
	Frozen          *bool        `json:"frozen,omitempty"`
	Schema          *assocSchema `json:"schema,omitempty"`
}

// assocSchema is a Schema entity in an association response: ts and
// deleted only for a stored version read back.
type assocSchema struct {
	Subject    string          `json:"subject"`
	Version    int             `json:"version"`
	ID         int             `json:"id"`
	GUID       string          `json:"guid"`
	SchemaType string          `json:"schemaType"`
	References []Reference     `json:"references,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
	RuleSet    json.RawMessage `json:"ruleSet,omitempty"`
	Schema     string          `json:"schema"`
	TS         int64           `json:"ts,omitempty"`
	Deleted    *bool           `json:"deleted,omitempty"`
}

func toAssocSchema(v *Version, stored bool) *assocSchema {
	s := &assocSchema{Subject: v.Subject, Version: v.Version, ID: v.ID, GUID: v.guid(), SchemaType: v.typeName(),
		References: v.References, Metadata: v.Metadata, RuleSet: v.RuleSet, Schema: v.Schema}
	if stored {
		s.TS, s.Deleted = v.TS, ptrTo(v.Deleted)
	}
	return s
}

// AssociationResponse is the answer for one resource.
type AssociationResponse struct {
	ResourceName      string               `json:"resourceName,omitempty"`
	ResourceNamespace string               `json:"resourceNamespace,omitempty"`
	ResourceID        string               `json:"resourceId,omitempty"`
	ResourceType      string               `json:"resourceType,omitempty"`
	Associations      []*AssociationAnswer `json:"associations,omitempty"`
}

// toAssociationResponse is Association.toAssociationResponse: every
// association must be of the resource named.
func toAssociationResponse(name, namespace, id, rtype string, as []*association, schemas map[string]*assocSchema) (*AssociationResponse, error) {
	out := &AssociationResponse{ResourceName: name, ResourceNamespace: namespace, ResourceID: id, ResourceType: rtype}
	for _, a := range as {
		if a.ResourceName != name || a.ResourceNamespace != namespace || a.ResourceID != id || a.ResourceType != rtype {
			return nil, fmt.Errorf("All associations must have the same resourceName, resourceNamespace, resourceId, and resourceType.")
		}
		ans := &AssociationAnswer{Subject: a.Subject, AssociationType: a.AssociationType, Lifecycle: a.Lifecycle, Schema: schemas[a.AssociationType]}
		if a.Frozen != (a.Lifecycle == LifecycleStrong) {
			ans.Frozen = ptrTo(a.Frozen)
		}
		out.Associations = append(out.Associations, ans)
	}
	return out, nil
}

// qualifyInContext puts an unqualified subject in the request's context
// (?context=, as Confluent's replaceAlias).
func qualifyInContext(context, subject string) string {
	if context != "" && !strings.HasPrefix(subject, ":.") {
		ctx := strings.Trim(context, ":")
		if ctx != "" && ctx != DefaultContext {
			if !strings.HasPrefix(ctx, ".") {
				ctx = "." + ctx
			}
			subject = ":" + ctx + ":" + subject
		}
	}
	return normalizeSubject(subject)
}

// mostRecentResource keeps the associations of the resource updated last
// (then created last, then the greatest id), as Confluent's
// mostRecentlyUpdatedResource.
func mostRecentResource(as []*association) []*association {
	if len(as) == 0 {
		return as
	}
	best := as[0]
	for _, a := range as[1:] {
		if c := compareRecency(a, best); c > 0 {
			best = a
		}
	}
	return slices.DeleteFunc(slices.Clone(as), func(a *association) bool { return a.ResourceID != best.ResourceID })
}

func compareRecency(a, b *association) int {
	switch {
	case a.TS != b.TS:
		return cmpInt(a.TS, b.TS)
	case a.CreateTS != b.CreateTS:
		return cmpInt(a.CreateTS, b.CreateTS)
	}
	return strings.Compare(a.ResourceID, b.ResourceID)
}

func cmpInt(a, b int64) int {
	if a < b {
		return -1
	}
	if a > b {
		return 1
	}
	return 0
}

// CreateOrUpdateAssociations applies a validated request (POST
// /associations when isCreate, PUT /associations/resources/{id}
// otherwise), as Confluent's createOrUpdateAssociation: every
// association is checked before any schema is registered or any record
// written.
func (r *Registry) CreateOrUpdateAssociations(context string, dryRun bool, req *AssociationRequest, isCreate bool) (*AssociationResponse, error) {
	r.assocMu.Lock()
	defer r.assocMu.Unlock()
	return r.createOrUpdateAssociations(context, dryRun, req, isCreate)
}

func (r *Registry) createOrUpdateAssociations(context string, dryRun bool, req *AssociationRequest, isCreate bool) (*AssociationResponse, error) {
	r.mu.RLock()
	writes, err := r.checkAssociationsLocked(context, dryRun, req, isCreate)
	r.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	// Schemas are checked against their subjects before any is registered.
	for _, info := range req.Associations {
		if info.Schema == nil {
			continue
		}
		ok, probs, err := r.Check(*info.Subject, 0, *info.Schema, info.normalize())
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &Error{409, 40901, "[" + strings.Join(probs, ", ") + "]"}
		}
	}
	if dryRun {
		return &AssociationResponse{ResourceName: req.ResourceName, ResourceNamespace: req.ResourceNamespace,
			ResourceID: req.ResourceID, ResourceType: req.ResourceType}, nil
	}
	schemas := map[string]*assocSchema{}
	for _, info := range req.Associations {
		if info.Schema == nil || r.modeOf(*info.Subject) == ModeImport {
			continue
		}
		v, err := r.RegisterSchema(*info.Subject, *info.Schema, info.normalize())
		if err != nil {
			return nil, err
		}
		schemas[info.AssociationType] = toAssocSchema(v, false)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range writes {
		if err := r.putAssociationLocked(a); err != nil {
			return nil, err
		}
	}
	return toAssociationResponse(req.ResourceName, req.ResourceNamespace, req.ResourceID, req.ResourceType, writes, schemas)
}

func (r *Registry) modeOf(subject string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.modeInScopeLocked(subject)
}

// lookupUnderLocked is lookUpSchemaUnderSubject: the schema (tags
// applied) among the subject's live versions.
func (r *Registry) lookupUnderLocked(subject string, req RegisterRequest, normalize bool) bool {
	req, err := r.withTagsLocked(subject, req)
	if err != nil {
		return false
	}
	parsed, err := r.parseLocked(subject, req.typeName(), req.Schema, req.References)
	if err != nil {
		return false
	}
	text := parsed.Canonical()
	if normalize || r.configInScopeLocked(subject).normalize() {
		text = parsed.Normalized()
	}
	refs := req.References
	if len(refs) == 0 {
		refs = nil
	}
	for _, v := range r.subjects[subject] {
		if !v.Deleted && v.typeName() == req.typeName() && v.Schema == text && refsEqual(v.References, refs) {
			return true
		}
	}
	return false
}

// latestLocked is the latest live version, nil when none.
func (r *Registry) latestLocked(subject string) *Version { return r.latestLiveLocked(subject) }

// checkAssociationsLocked makes Confluent's checks and returns the
// associations to write (those equivalent to a stored one are left out).
func (r *Registry) checkAssociationsLocked(context string, dryRun bool, req *AssociationRequest, isCreate bool) ([]*association, error) {
	for _, info := range req.Associations {
		if info.Subject == nil {
			continue
		}
		q := qualifyInContext(context, *info.Subject)
		// Confluent's replaceAlias: the subject's own config may alias it.
		if cfg := r.configs[q]; cfg != nil && cfg.Alias != "" {
			q = normalizeSubject(withParentContext(q, cfg.Alias))
		}
		if err := r.checkWritable(q); err != nil {
			return nil, err
		}
		info.Subject = &q
	}
	var types []string
	for _, info := range req.Associations {
		if slices.Contains(types, info.AssociationType) {
			return nil, errInvalidAssoc("associationType", "may only appear once per request, but '"+info.AssociationType+"' appears more than once")
		}
		types = append(types, info.AssociationType)
	}
	f := assocFilter{rtype: req.ResourceType, types: types}
	stored := r.byResourceIDLocked(req.ResourceID, f)
	if req.ResourceID == "" {
		stored = nil
	}
	byType := map[string]*association{}
	found := stored
	if len(stored) == 0 && isCreate && dryRun && req.ResourceID == "" {
		// No id yet at the validate phase: the resource by name finds an
		// idempotent retry.
		found = mostRecentResource(r.byResourceNameLocked(req.ResourceName, req.ResourceNamespace, f))
	}
	for _, a := range found {
		byType[a.AssociationType] = a
	}
	skip := map[string]bool{}
	for _, info := range req.Associations {
		a := byType[info.AssociationType]
		if a == nil && !isCreate {
			if err := info.applyDefaults(false); err != nil {
				return nil, err
			}
		}
		def := defaultSubject(req.ResourceNamespace, req.ResourceName, info.AssociationType)
		if info.Subject == nil {
			switch {
			case a != nil:
				info.Subject = ptrTo(a.Subject)
			case info.Lifecycle != nil && *info.Lifecycle == LifecycleStrong:
				info.Subject = ptrTo(def)
			default:
				return nil, errInvalidAssoc("subject", "must be provided for WEAK associations")
			}
		}
		subject := normalizeSubject(*info.Subject)
		lifecycle := ""
		if info.Lifecycle != nil {
			lifecycle = *info.Lifecycle
		} else if a != nil {
			lifecycle = a.Lifecycle
		}
		if lifecycle == "" {
			return nil, errInvalidAssoc("lifecycle", "lifecycle must be set")
		}
		if lifecycle == LifecycleWeak {
			if info.Schema != nil {
				return nil, errInvalidAssoc("lifecycle", "cannot be WEAK when schema is provided")
			}
			if *info.Subject == def {
				return nil, errInvalidAssoc("subject", "WEAK associations cannot use subject '"+def+"'")
			}
		}
		frozen := info.Frozen != nil && *info.Frozen
		if a != nil {
			frozen = a.Frozen
		}
		requested := frozen
		if info.Frozen != nil {
			requested = *info.Frozen
		}
		if requested != (lifecycle == LifecycleStrong) {
			return nil, errInvalidAssoc("frozen", fmt.Sprintf("association with lifecycle of %s cannot be frozen=%t", lifecycle, requested))
		}
		if frozen && *info.Subject != def {
			return nil, errInvalidAssoc("subject", "frozen associations must use subject '"+def+"'")
		}
		if a == nil {
			importing := r.modeInScopeLocked(subject) == ModeImport
			if !isCreate && lifecycle == LifecycleStrong && !importing {
				return nil, errInvalidAssoc("lifecycle", "cannot be STRONG when creating an association; STRONG associations must be created with the topic")
			}
			if info.Frozen != nil && *info.Frozen && !importing {
				if isCreate && info.Schema == nil {
					return nil, errInvalidAssoc("schema", "schema must be provided when creating a frozen association")
				}
				if latest := r.latestLocked(subject); latest != nil {
					if info.Schema == nil || latest.Version != 1 || !r.lookupUnderLocked(subject, *info.Schema, info.normalize()) {
						return nil, errInvalidAssoc("frozen", "cannot create a frozen association when schemas already exist in the subject")
					}
				}
			}
			continue
		}
		if a.Subject == subject && (info.Lifecycle == nil || *info.Lifecycle == a.Lifecycle) && (info.Frozen == nil || *info.Frozen == a.Frozen) {
			// Equivalent to the stored one: nothing to write (a create
			// with a schema only when that schema is there).
			if isCreate && info.Schema != nil && !r.lookupUnderLocked(subject, *info.Schema, info.normalize()) {
				return nil, errAssocForResource(a.AssociationType, a.ResourceName)
			}
			skip[info.AssociationType] = true
			continue
		}
		if isCreate {
			return nil, errAssocForResource(a.AssociationType, a.ResourceName)
		}
		if info.Lifecycle == nil && info.Schema == nil {
			return nil, errInvalidAssoc("lifecycle", "at least lifecycle or schema must be provided for update")
		}
		if a.Subject != subject {
			return nil, errInvalidAssoc("subject", "subject of association cannot be changed from '"+a.Subject+"' to '"+*info.Subject+"'")
		}
		if a.Lifecycle == LifecycleStrong && info.Lifecycle != nil && *info.Lifecycle == LifecycleWeak && a.Subject == def {
			return nil, errInvalidAssoc("lifecycle", "cannot change to WEAK when subject matches default format '"+def+"'")
		}
		if info.Frozen != nil && a.Frozen != *info.Frozen {
			return nil, errInvalidAssoc("frozen", "frozen attribute of association cannot be changed")
		}
		if a.Frozen {
			return nil, errAssocFrozen(a.AssociationType, a.Subject)
		}
	}
	if err := r.checkUniformLifecycleLocked(req); err != nil {
		return nil, err
	}
	for _, info := range req.Associations {
		subject := normalizeSubject(*info.Subject)
		a := byType[info.AssociationType]
		if info.Schema != nil && r.modeInScopeLocked(subject) == ModeImport {
			return nil, errInvalidAssoc("schema", "cannot be provided while subject '"+*info.Subject+"' is in IMPORT mode")
		}
		if info.Schema == nil && r.latestLocked(subject) == nil {
			return nil, errNoActiveVersion(*info.Subject)
		}
		others := slices.DeleteFunc(r.bySubjectLocked(subject, assocFilter{}), func(o *association) bool {
			return a != nil && o.ResourceID == a.ResourceID && o.ResourceType == a.ResourceType && o.AssociationType == a.AssociationType
		})
		lifecycle := ""
		if info.Lifecycle != nil {
			lifecycle = *info.Lifecycle
		} else if a != nil {
			lifecycle = a.Lifecycle
		}
		switch lifecycle {
		case "":
			return nil, errInvalidAssoc("lifecycle", "lifecycle must be set")
		case LifecycleStrong:
			if len(others) > 0 {
				return nil, errAssocForSubject(*info.Subject)
			}
			// A STRONG association and a reference exclude each other,
			// referrers of this same request too.
			if r.subjectReferencedLocked(subject) || requestReferences(req, subject) {
				return nil, errAssocReferenced(*info.Subject)
			}
		case LifecycleWeak:
			if info.Frozen != nil && *info.Frozen {
				return nil, errInvalidAssoc("frozen", "association with lifecycle of WEAK cannot be frozen")
			}
			for _, o := range others {
				if o.Lifecycle == LifecycleStrong {
					return nil, errStrongAssoc(*info.Subject)
				}
			}
		}
	}
	if dryRun {
		return nil, nil
	}
	old := map[string]*association{}
	for _, a := range stored {
		old[a.AssociationType] = a
	}
	var writes []*association
	for _, info := range req.Associations {
		if skip[info.AssociationType] {
			continue
		}
		o := old[info.AssociationType]
		if o == nil {
			lc := LifecycleWeak
			if info.Lifecycle != nil && *info.Lifecycle == LifecycleStrong {
				lc = LifecycleStrong
			}
			writes = append(writes, &association{GUID: newGUID(), ResourceName: req.ResourceName, ResourceNamespace: req.ResourceNamespace,
				ResourceID: req.ResourceID, ResourceType: req.ResourceType, AssociationType: info.AssociationType,
				Subject: normalizeSubject(*info.Subject), Lifecycle: lc, Frozen: info.Frozen != nil && *info.Frozen})
			continue
		}
		w := *o
		w.AssociationType = info.AssociationType
		if info.Lifecycle != nil {
			w.Lifecycle = *info.Lifecycle
		}
		if info.Frozen != nil {
			w.Frozen = *info.Frozen
		}
		writes = append(writes, &w)
	}
	return writes, nil
}

// requestReferences tells whether a schema of the request refers to
// subject (a referrer registered by this same request).
func requestReferences(req *AssociationRequest, subject string) bool {
	for _, info := range req.Associations {
		if info.Schema == nil || info.Subject == nil {
			continue
		}
		for _, ref := range info.Schema.References {
			if normalizeSubject(withParentContext(normalizeSubject(*info.Subject), ref.Subject)) == subject {
				return true
			}
		}
	}
	return false
}

// checkUniformLifecycleLocked refuses a resource left with both
// lifecycles (the stored ones with the request's applied).
func (r *Registry) checkUniformLifecycleLocked(req *AssociationRequest) error {
	var existing []*association
	f := assocFilter{rtype: req.ResourceType}
	if req.ResourceID != "" {
		existing = r.byResourceIDLocked(req.ResourceID, f)
	} else {
		existing = mostRecentResource(r.byResourceNameLocked(req.ResourceName, req.ResourceNamespace, f))
	}
	var order []string
	byType := map[string]string{}
	set := func(t, lc string) {
		if _, ok := byType[t]; !ok {
			order = append(order, t)
		}
		byType[t] = lc
	}
	for _, a := range existing {
		set(a.AssociationType, a.Lifecycle)
	}
	for _, info := range req.Associations {
		if info.Lifecycle != nil {
			set(info.AssociationType, *info.Lifecycle)
		}
	}
	distinct := map[string]bool{}
	for _, lc := range byType {
		distinct[lc] = true
	}
	if len(distinct) <= 1 {
		return nil
	}
	parts := make([]string, 0, len(order))
	for _, t := range order {
		parts = append(parts, t+"="+byType[t])
	}
	return errInvalidAssoc("lifecycle", "all associations for a resource must have the same lifecycle, but got "+strings.Join(parts, ", "))
}

// DeleteAssociations deletes a resource's associations (of the types
// given, all when none), as Confluent's deleteAssociations: a frozen one
// only with cascade, which also deletes a STRONG association's subject
// (softly then permanently) unless it is being imported.
func (r *Registry) DeleteAssociations(resourceID, rtype string, types []string, cascade, dryRun bool) error {
	r.assocMu.Lock()
	defer r.assocMu.Unlock()
	return r.deleteAssociations(resourceID, rtype, types, cascade, dryRun, true)
}

func (r *Registry) deleteAssociations(resourceID, rtype string, types []string, cascade, dryRun, mustExist bool) error {
	r.mu.Lock()
	as := r.byResourceIDLocked(resourceID, assocFilter{rtype: rtype, types: types})
	if len(as) == 0 && mustExist {
		r.mu.Unlock()
		return errAssocNotFound(resourceID)
	}
	for _, a := range as {
		if err := r.checkWritable(a.Subject); err != nil {
			r.mu.Unlock()
			return err
		}
		if !cascade && a.Frozen {
			r.mu.Unlock()
			return errAssocFrozen(a.AssociationType, a.Subject)
		}
	}
	if dryRun {
		r.mu.Unlock()
		return nil
	}
	var cascaded []string
	for _, a := range as {
		if err := r.deleteAssociationLocked(a); err != nil {
			r.mu.Unlock()
			return err
		}
		if cascade && a.Lifecycle == LifecycleStrong && r.modeInScopeLocked(a.Subject) != ModeImport {
			cascaded = append(cascaded, a.Subject)
		}
	}
	r.mu.Unlock()
	for _, s := range cascaded {
		if r.hasLive(s) {
			if _, err := r.DeleteSubject(s, false); err != nil {
				return err
			}
		}
		if _, err := r.DeleteSubject(s, true); err != nil {
			return err
		}
	}
	return nil
}

func (r *Registry) hasLive(subject string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.hasSubjectLocked(subject, Live)
}

// AssociationGetRequest is one query of POST /associations:batchGet.
type AssociationGetRequest struct {
	ResourceName      string   `json:"resourceName"`
	ResourceNamespace string   `json:"resourceNamespace"`
	ResourceID        string   `json:"resourceId"`
	ResourceType      string   `json:"resourceType"`
	AssociationTypes  []string `json:"associationTypes"`
	Lifecycle         string   `json:"lifecycle"`
}

// AssociationResult is one answer of a batch: an error or a result.
type AssociationResult struct {
	Error  *ErrorMessage        `json:"error,omitempty"`
	Result *AssociationResponse `json:"result,omitempty"`
}

// ErrorMessage is Confluent's error entity.
type ErrorMessage struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

// BatchGetAssociations answers each query, an error in its place when it
// fails (Confluent's batchGetAssociations).
func (r *Registry) BatchGetAssociations(includeSchemas bool, queries []*AssociationGetRequest) []AssociationResult {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]AssociationResult, 0, len(queries))
	for _, q := range queries {
		res, err := r.batchGetOneLocked(includeSchemas, q)
		if err != nil {
			out = append(out, AssociationResult{Error: &ErrorMessage{50001, "Error while getting associations: " + err.Error()}})
			continue
		}
		out = append(out, AssociationResult{Result: res})
	}
	return out
}

func (r *Registry) batchGetOneLocked(includeSchemas bool, q *AssociationGetRequest) (*AssociationResponse, error) {
	if q == nil {
		q = &AssociationGetRequest{}
	}
	// IllegalPropertyException's own message.
	if q.ResourceID == "" && q.ResourceName == "" {
		return nil, fmt.Errorf("property: resourceId; detail: either resourceId or resourceName must be specified")
	}
	if q.ResourceName != "" && q.ResourceNamespace == "" {
		return nil, fmt.Errorf("property: resourceNamespace; detail: resourceNamespace is required when resourceName is specified")
	}
	rtype := cmpOr(q.ResourceType, topicResourceType)
	f := assocFilter{rtype: rtype, types: q.AssociationTypes, lifecycle: q.Lifecycle}
	var as []*association
	if q.ResourceID != "" {
		as = r.byResourceIDLocked(q.ResourceID, f)
	} else {
		as = r.byResourceNameLocked(q.ResourceName, q.ResourceNamespace, f)
	}
	name, ns, id := q.ResourceName, q.ResourceNamespace, q.ResourceID
	if len(as) > 0 {
		name, ns, id = cmpOr(name, as[0].ResourceName), cmpOr(ns, as[0].ResourceNamespace), cmpOr(id, as[0].ResourceID)
	}
	schemas := map[string]*assocSchema{}
	if includeSchemas {
		for _, a := range as {
			if v := r.latestLocked(a.Subject); v != nil {
				schemas[a.AssociationType] = toAssocSchema(v, true)
			}
		}
	}
	return toAssociationResponse(name, ns, id, rtype, as, schemas)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// AssociationOp is one operation of POST /associations:batchMutate:
// opType CREATE, UPSERT or DELETE.
type AssociationOp struct {
	OpType string `json:"opType"`
	AssociationInfo
	CascadeLifecycle *bool `json:"cascadeLifecycle,omitempty"`
}

// AssociationOpRequest is the operations on one resource.
type AssociationOpRequest struct {
	ResourceName      string           `json:"resourceName"`
	ResourceNamespace string           `json:"resourceNamespace"`
	ResourceID        string           `json:"resourceId"`
	ResourceType      string           `json:"resourceType"`
	Associations      []*AssociationOp `json:"associations"`
	Error             *ErrorMessage    `json:"error"`
}

// validate is AssociationOpRequest.validate.
func (req *AssociationOpRequest) validate(dryRun bool) error {
	if err := validateResource(req.ResourceName, req.ResourceNamespace, req.ResourceID, &req.ResourceType, dryRun); err != nil {
		return err
	}
	if len(req.Associations) == 0 {
		return errInvalidAssoc("associations", "cannot be null or empty")
	}
	seen := map[string]bool{}
	for _, op := range req.Associations {
		if op == nil {
			return errInvalidAssoc("associations", "cannot be null or empty")
		}
		switch op.OpType {
		case "CREATE":
			if err := op.applyDefaults(true); err != nil {
				return err
			}
			if err := op.validateBase(); err != nil {
				return err
			}
			if op.Subject == nil && *op.Lifecycle == LifecycleWeak {
				return errInvalidAssoc("subject", "must be provided for WEAK associations")
			}
		case "UPSERT":
			if err := op.validateBase(); err != nil {
				return err
			}
		case "DELETE":
			switch op.AssociationType {
			case "":
				op.AssociationType = "value"
			case "key", "value":
			default:
				return errInvalidAssoc("associationType", "must be either 'key' or 'value'")
			}
		}
		if seen[op.AssociationType] {
			return errInvalidAssoc("associationType", "may only appear once per request, but '"+op.AssociationType+"' appears more than once")
		}
		seen[op.AssociationType] = true
		if op.OpType == "CREATE" {
			def := defaultSubject(req.ResourceNamespace, req.ResourceName, op.AssociationType)
			if op.Subject == nil {
				op.Subject = ptrTo(def)
			}
			if op.Frozen != nil && *op.Frozen && *op.Subject != def {
				return errInvalidAssoc("subject", "frozen associations must use subject '"+def+"'")
			}
			if *op.Lifecycle == LifecycleWeak && *op.Subject == def {
				return errInvalidAssoc("subject", "WEAK associations cannot use subject '"+def+"'")
			}
		}
	}
	return nil
}

// MutateAssociations applies each resource's operations in order, an
// error in place of the result of a resource that fails (Confluent's
// mutateAssociations): adjacent CREATE (or UPSERT) operations apply as one
// request.
func (r *Registry) MutateAssociations(context string, dryRun bool, reqs []*AssociationOpRequest) []AssociationResult {
	r.assocMu.Lock()
	defer r.assocMu.Unlock()
	out := make([]AssociationResult, 0, len(reqs))
	for _, req := range reqs {
		if req == nil {
			req = &AssociationOpRequest{}
		}
		if req.Error != nil {
			out = append(out, AssociationResult{Error: req.Error})
			continue
		}
		res, err := r.mutateOne(context, dryRun, req)
		if err != nil {
			out = append(out, AssociationResult{Error: batchError(err)})
			continue
		}
		out = append(out, AssociationResult{Result: res})
	}
	return out
}

func (r *Registry) mutateOne(context string, dryRun bool, req *AssociationOpRequest) (*AssociationResponse, error) {
	if err := req.validate(dryRun); err != nil {
		return nil, err
	}
	schemas := map[string]*assocSchema{}
	ops := req.Associations
	for i := 0; i < len(ops); {
		op := ops[i]
		if op.OpType != "CREATE" && op.OpType != "UPSERT" {
			if op.OpType == "DELETE" {
				cascade := op.CascadeLifecycle != nil && *op.CascadeLifecycle
				if err := r.deleteAssociations(req.ResourceID, req.ResourceType, []string{op.AssociationType}, cascade, dryRun, false); err != nil {
					return nil, err
				}
			}
			i++
			continue
		}
		end := i + 1
		for end < len(ops) && ops[end].OpType == op.OpType {
			end++
		}
		run := &AssociationRequest{ResourceName: req.ResourceName, ResourceNamespace: req.ResourceNamespace,
			ResourceID: req.ResourceID, ResourceType: req.ResourceType}
		for _, o := range ops[i:end] {
			info := o.AssociationInfo
			run.Associations = append(run.Associations, &info)
		}
		res, err := r.createOrUpdateAssociations(context, dryRun, run, op.OpType == "CREATE")
		if err != nil {
			return nil, err
		}
		for _, a := range res.Associations {
			if a.Schema != nil {
				schemas[a.AssociationType] = a.Schema
			}
		}
		i = end
	}
	var as []*association
	if !dryRun {
		as = r.byResourceIDSafe(req.ResourceID, req.ResourceType)
	}
	res, err := toAssociationResponse(req.ResourceName, req.ResourceNamespace, req.ResourceID, req.ResourceType, as, schemas)
	if err != nil {
		return nil, &Error{500, 50001, "Error while creating association: " + err.Error()}
	}
	return res, nil
}

func (r *Registry) byResourceIDSafe(id, rtype string) []*association {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byResourceIDLocked(id, assocFilter{rtype: rtype})
}

// batchError is the error entry of a failed batch request, in the codes
// Confluent's mutateAssociations gives each exception.
func batchError(err error) *ErrorMessage {
	e, ok := err.(*Error)
	if !ok {
		return &ErrorMessage{50001, "Error while creating association: " + err.Error()}
	}
	switch e.Code {
	case 42212, 40903, 40904, 40908, 40907, 40905, 42206, 40901, 42209, 50001:
		return &ErrorMessage{e.Code, e.Message}
	case 42201: // InvalidSchemaException: the invalid-association code
		return &ErrorMessage{42212, e.Message}
	}
	return &ErrorMessage{50001, "Error while creating association: " + e.Message}
}
