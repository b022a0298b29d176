package schemaregistry

import (
	"cmp"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Associations tie a subject to a resource (a Kafka topic) as its key or
// value schema, as Confluent 8's registry does (AssociationsResource,
// AbstractSchemaRegistry.createOrUpdateAssociation, AssociationKey and
// AssociationValue records in _schemas). A STRONG association owns its
// subject: it is created with the topic together with the schema, frozen,
// cannot be referenced, and its subject cannot be deleted while it lasts.

// Lifecycles of an association.
const (
	LifecycleStrong = "STRONG"
	LifecycleWeak   = "WEAK"
)

// resourceWildcard matches every resource name or namespace.
const resourceWildcard = "-"

const topicResourceType = "topic"

// association is one stored association (Confluent's AssociationValue);
// Subject is qualified, the timestamps are the records' (createTs of the
// first record for the key, ts of the last).
type association struct {
	GUID              string
	ResourceName      string
	ResourceNamespace string
	ResourceID        string
	ResourceType      string
	AssociationType   string
	Subject           string
	Lifecycle         string
	Frozen            bool
	CreateTS, TS      int64
}

// assocKey is what identifies an association record (AssociationKey).
type assocKey struct{ name, namespace, rtype, atype, subject string }

func (a *association) key() assocKey {
	return assocKey{a.ResourceName, a.ResourceNamespace, a.ResourceType, a.AssociationType, a.Subject}
}

// compareAssoc is Association.compareTo: resource name, namespace, type,
// association type, subject.
func compareAssoc(a, b *association) int {
	return cmp.Or(cmp.Compare(a.ResourceName, b.ResourceName), cmp.Compare(a.ResourceNamespace, b.ResourceNamespace),
		cmp.Compare(a.ResourceType, b.ResourceType), cmp.Compare(a.AssociationType, b.AssociationType), cmp.Compare(a.Subject, b.Subject))
}

// associationKeyRecord is the record key, in AssociationKey's
// @JsonPropertyOrder.
func associationKeyRecord(a *association) []byte {
	b, _ := json.Marshal(struct {
		KeyType           string `json:"keytype"`
		Tenant            string `json:"tenant"`
		ResourceName      string `json:"resourceName"`
		ResourceNamespace string `json:"resourceNamespace"`
		ResourceType      string `json:"resourceType"`
		AssociationType   string `json:"associationType"`
		Subject           string `json:"subject"`
		Magic             int    `json:"magic"`
	}{"ASSOC", "default", a.ResourceName, a.ResourceNamespace, a.ResourceType, a.AssociationType, a.Subject, 0})
	return b
}

// associationValueRecord is AssociationValue as Jackson writes it: the
// creator's properties in its order (createTs is null when written, ts and
// offset too, all left out by NON_EMPTY; frozen is a primitive, always
// there).
type associationValueRecord struct {
	GUID              string `json:"guid"`
	Tenant            string `json:"tenant"`
	ResourceName      string `json:"resourceName"`
	ResourceNamespace string `json:"resourceNamespace"`
	ResourceID        string `json:"resourceId"`
	ResourceType      string `json:"resourceType"`
	AssociationType   string `json:"associationType"`
	Subject           string `json:"subject"`
	Lifecycle         string `json:"lifecycle"`
	Frozen            bool   `json:"frozen"`
}

// replayAssociationLocked applies an ASSOC record, as Confluent's
// handleAssociationUpdate: createTs kept from the record replaced.
func (r *Registry) replayAssociationLocked(key, value []byte, ts time.Time) {
	var k struct {
		ResourceName      string `json:"resourceName"`
		ResourceNamespace string `json:"resourceNamespace"`
		ResourceType      string `json:"resourceType"`
		AssociationType   string `json:"associationType"`
		Subject           string `json:"subject"`
	}
	if json.Unmarshal(key, &k) != nil {
		return
	}
	ak := assocKey{k.ResourceName, k.ResourceNamespace, k.ResourceType, k.AssociationType, normalizeSubject(k.Subject)}
	if value == nil {
		delete(r.assocs, ak)
		return
	}
	var v associationValueRecord
	if json.Unmarshal(value, &v) != nil || v.GUID == "" || (v.Lifecycle != LifecycleStrong && v.Lifecycle != LifecycleWeak) {
		return
	}
	a := &association{GUID: v.GUID, ResourceName: v.ResourceName, ResourceNamespace: v.ResourceNamespace,
		ResourceID: v.ResourceID, ResourceType: v.ResourceType, AssociationType: v.AssociationType,
		Subject: normalizeSubject(v.Subject), Lifecycle: v.Lifecycle, Frozen: v.Frozen, TS: ts.UnixMilli()}
	if ts.IsZero() {
		a.TS = 0
	}
	a.CreateTS = a.TS
	if old := r.assocs[a.key()]; old != nil {
		a.CreateTS = old.CreateTS
	}
	r.assocs[a.key()] = a
}

// putAssociationLocked writes an association record and applies it.
func (r *Registry) putAssociationLocked(a *association) error {
	now := r.now()
	val := associationValueRecord{a.GUID, "default", a.ResourceName, a.ResourceNamespace, a.ResourceID,
		a.ResourceType, a.AssociationType, a.Subject, a.Lifecycle, a.Frozen}
	if err := r.persistAt(associationKeyRecord(a), val, now); err != nil {
		return err
	}
	a.TS = now.UnixMilli()
	a.CreateTS = a.TS
	if old := r.assocs[a.key()]; old != nil {
		a.CreateTS = old.CreateTS
	}
	r.assocs[a.key()] = a
	return nil
}

// deleteAssociationLocked tombstones an association record.
func (r *Registry) deleteAssociationLocked(a *association) error {
	if err := r.persist(associationKeyRecord(a), nil); err != nil {
		return err
	}
	delete(r.assocs, a.key())
	return nil
}

// assocFilter selects associations: empty fields match anything.
type assocFilter struct {
	rtype     string
	types     []string
	lifecycle string
}

func (f assocFilter) keep(a *association) bool {
	return (f.rtype == "" || a.ResourceType == f.rtype) &&
		(len(f.types) == 0 || slices.Contains(f.types, a.AssociationType)) &&
		(f.lifecycle == "" || a.Lifecycle == f.lifecycle)
}

// selectLocked lists the associations match and f keep, in Confluent's
// order.
func (r *Registry) selectLocked(match func(*association) bool, f assocFilter) []*association {
	var out []*association
	for _, a := range r.assocs {
		if match(a) && f.keep(a) {
			c := *a
			out = append(out, &c)
		}
	}
	slices.SortFunc(out, compareAssoc)
	return out
}

func (r *Registry) bySubjectLocked(subject string, f assocFilter) []*association {
	subject = normalizeSubject(subject)
	return r.selectLocked(func(a *association) bool { return a.Subject == subject }, f)
}

func (r *Registry) byResourceIDLocked(id string, f assocFilter) []*association {
	return r.selectLocked(func(a *association) bool { return a.ResourceID == id }, f)
}

// byResourceNameLocked matches a name in a namespace ("" or "-": any).
func (r *Registry) byResourceNameLocked(name, namespace string, f assocFilter) []*association {
	return r.selectLocked(func(a *association) bool {
		return a.ResourceName == name && (namespace == "" || namespace == resourceWildcard || a.ResourceNamespace == namespace)
	}, f)
}

func (r *Registry) byNamespaceLocked(namespace string, f assocFilter) []*association {
	return r.selectLocked(func(a *association) bool {
		return namespace == resourceWildcard || a.ResourceNamespace == namespace
	}, f)
}

// AssociationsBySubject lists a subject's associations.
func (r *Registry) AssociationsBySubject(subject string, f assocFilter) []*association {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.bySubjectLocked(subject, f)
}

// strongRefLocked refuses references to a subject a STRONG association
// owns (Confluent's register, in every mode).
func (r *Registry) strongRefLocked(subject string, refs []Reference) error {
	for _, ref := range refs {
		target := withParentContext(subject, ref.Subject)
		if len(r.bySubjectLocked(target, assocFilter{lifecycle: LifecycleStrong})) > 0 {
			return errNotPermitted("Subject '" + ref.Subject + "' has a strong association and cannot be referenced")
		}
	}
	return nil
}

// subjectReferencedLocked tells whether any version of subject, deleted
// or not, is referenced, by deleted referrers too.
func (r *Registry) subjectReferencedLocked(subject string) bool {
	for _, v := range r.subjects[subject] {
		if len(r.referrersLocked(subject, v.Version, true, "")) > 0 {
			return true
		}
	}
	return false
}

// The errors of associations, in Confluent's codes and words.
func errInvalidAssoc(prop, detail string) *Error {
	return &Error{422, 42212, fmt.Sprintf("The association specified an invalid value for property: '%s', detail: %s", prop, detail)}
}

func errAssocForResource(atype, resource string) *Error {
	return &Error{409, 40903, fmt.Sprintf("An association of type '%s' already exists for resource '%s'", atype, resource)}
}

func errAssocForSubject(subject string) *Error {
	return &Error{409, 40904, fmt.Sprintf("An association already exists for subject '%s'", subject)}
}

func errStrongAssoc(subject string) *Error {
	return &Error{409, 40905, fmt.Sprintf("A strong association already exists for subject '%s'", subject)}
}

func errNoActiveVersion(subject string) *Error {
	return &Error{409, 40907, fmt.Sprintf("No active (non-deleted) version exists for subject '%s'", subject)}
}

func errAssocFrozen(atype, subject string) *Error {
	// Two spaces after "type", as Confluent's format has them.
	return &Error{409, 40908, fmt.Sprintf("The association of type  '%s' is frozen for subject '%s'", atype, subject)}
}

func errAssocNotFound(resource string) *Error {
	return &Error{404, 40410, fmt.Sprintf("Association for '%s' not found.", resource)}
}

func errAssocReferenced(subject string) *Error {
	return &Error{422, 42206, fmt.Sprintf("One or more references exist to the schema %s.", subject)}
}

// newGUID is a random (version 4) UUID, as Java's UUID.randomUUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// checkName is RestValidation.checkName for resource names.
func checkName(name, prop string) error {
	if name == "" {
		return errInvalidAssoc(prop, "cannot be null or empty")
	}
	if len([]rune(name)) > 256 {
		return errInvalidAssoc(prop, "exceeds max length of 256")
	}
	for _, c := range name {
		if !(isJavaLetterOrDigit(c) || c == '_' || c == '-') {
			return errInvalidAssoc(prop, fmt.Sprintf("illegal character '%c'", c))
		}
	}
	return nil
}

// isJavaLetterOrDigit is Character.isLetterOrDigit.
func isJavaLetterOrDigit(c rune) bool { return unicode.IsLetter(c) || unicode.IsDigit(c) }

// checkAssocSubject is RestValidation.checkSubject.
func checkAssocSubject(s *string) error {
	if s == nil {
		return nil
	}
	if *s == "" || strings.ContainsFunc(*s, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) }) {
		return errInvalidAssoc("subject", "must not be empty")
	}
	return nil
}

// lastLiveOfAssociatedLocked tells whether soft-deleting version would
// leave an associated subject without a live version, which Confluent
// refuses (NoActiveSubjectVersionExistsException, answered as a 500).
func (r *Registry) lastLiveOfAssociatedLocked(subject string, version int) bool {
	if len(r.bySubjectLocked(subject, assocFilter{})) == 0 {
		return false
	}
	for _, v := range r.subjects[subject] {
		if !v.Deleted && v.Version != version {
			return false
		}
	}
	return true
}
