package schemaregistry

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Modes, as Confluent names them.
const (
	ModeReadWrite        = "READWRITE"
	ModeReadOnly         = "READONLY"
	ModeReadOnlyOverride = "READONLY_OVERRIDE"
	ModeImport           = "IMPORT"
	// ModeForward is Confluent 8's FORWARD: registrations carry their id as
	// in IMPORT (no compatibility check, no metadata inherited, any version
	// number), but it is set only on the global context (":.__GLOBAL:") and
	// entering it neither needs nor clears empty subjects.
	ModeForward = "FORWARD"
)

func validMode(m string) bool {
	switch m {
	case ModeReadWrite, ModeReadOnly, ModeReadOnlyOverride, ModeImport, ModeForward:
		return true
	}
	return false
}

// globalScope is the key of Confluent's ".__GLOBAL" context, whose config
// and mode apply under every context's own.
const globalScope = ":.__GLOBAL:"

// Config is a compatibility config (global, context or subject): the
// CONFIG record's value (Confluent's ConfigValue, fields in its order) and
// GET /config's answer (without the subject).
type Config struct {
	Subject            string          `json:"subject,omitempty"`
	Alias              string          `json:"alias,omitempty"`
	Normalize          *bool           `json:"normalize,omitempty"`
	ValidateFields     *bool           `json:"validateFields,omitempty"`
	CompatibilityLevel string          `json:"compatibilityLevel,omitempty"`
	CompatibilityGroup string          `json:"compatibilityGroup,omitempty"`
	DefaultMetadata    json.RawMessage `json:"defaultMetadata,omitempty"`
	OverrideMetadata   json.RawMessage `json:"overrideMetadata,omitempty"`
	DefaultRuleSet     json.RawMessage `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet    json.RawMessage `json:"overrideRuleSet,omitempty"`
}

func (c *Config) level() string {
	if c == nil || c.CompatibilityLevel == "" {
		return Backward
	}
	return c.CompatibilityLevel
}

func (c *Config) normalize() bool { return c != nil && c.Normalize != nil && *c.Normalize }

func (c *Config) validateFields() bool {
	return c != nil && c.ValidateFields != nil && *c.ValidateFields
}

// ConfigUpdate is the body of PUT /config (Confluent's ConfigUpdateRequest).
type ConfigUpdate struct {
	Alias              string          `json:"alias,omitempty"`
	Normalize          *bool           `json:"normalize,omitempty"`
	ValidateFields     *bool           `json:"validateFields,omitempty"`
	Compatibility      string          `json:"compatibility,omitempty"`
	CompatibilityGroup string          `json:"compatibilityGroup,omitempty"`
	DefaultMetadata    json.RawMessage `json:"defaultMetadata,omitempty"`
	OverrideMetadata   json.RawMessage `json:"overrideMetadata,omitempty"`
	DefaultRuleSet     json.RawMessage `json:"defaultRuleSet,omitempty"`
	OverrideRuleSet    json.RawMessage `json:"overrideRuleSet,omitempty"`
}

// scopeKey is where a subject's config or mode is kept: "" for the
// default context as a whole (the global one), ":.ctx:" for a context.
func scopeKey(subject string) string {
	q := parseSubject(subject)
	if q.Name == "" && q.Context == DefaultContext {
		return ""
	}
	return q.String()
}

// scopes are the keys consulted for a subject, nearest first.
func scopes(subject string) []string {
	q := parseSubject(subject)
	var out []string
	if q.Name != "" {
		out = append(out, q.String())
	}
	if q.Context != DefaultContext {
		out = append(out, qualified{Context: q.Context}.String())
	} else {
		out = append(out, "")
	}
	if q.Context != DefaultContext || q.Name != "" {
		out = append(out, "")
	}
	return append(out, globalScope)
}

// configInScopeLocked is the config in force for a subject: the first
// scope with a compatibility level gives it; normalize likewise.
func (r *Registry) configInScopeLocked(subject string) *Config {
	out := &Config{}
	for _, k := range scopes(subject) {
		c := r.configs[k]
		if c == nil {
			continue
		}
		if out.CompatibilityLevel == "" {
			out.CompatibilityLevel = c.CompatibilityLevel
		}
		if out.Normalize == nil {
			out.Normalize = c.Normalize
		}
		if out.ValidateFields == nil {
			out.ValidateFields = c.ValidateFields
		}
		for _, f := range []struct{ to, from *json.RawMessage }{{&out.DefaultMetadata, &c.DefaultMetadata}, {&out.OverrideMetadata, &c.OverrideMetadata},
			{&out.DefaultRuleSet, &c.DefaultRuleSet}, {&out.OverrideRuleSet, &c.OverrideRuleSet}} {
			if absentJSON(*f.to) {
				*f.to = *f.from
			}
		}
	}
	if out.CompatibilityLevel == "" {
		out.CompatibilityLevel = Backward
	}
	return out
}

// GetConfig answers GET /config[/subject]: the config set at that level;
// a subject without one is 40408 unless defaultToGlobal.
func (r *Registry) GetConfig(subject string, defaultToGlobal bool) (*Config, error) {
	key := scopeKey(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c := r.configs[key]; c != nil && (c.CompatibilityLevel != "" || !defaultToGlobal) {
		out := *c
		out.Subject = ""
		if key == "" && out.CompatibilityLevel == "" {
			out.CompatibilityLevel = Backward
		}
		return &out, nil
	}
	if key == "" || defaultToGlobal {
		return &Config{CompatibilityLevel: r.configInScopeLocked(subject).level()}, nil
	}
	return nil, &Error{404, 40408, fmt.Sprintf("Subject '%s' does not have subject-level compatibility configured", key)}
}

// SetConfig answers PUT /config[/subject], merging the update into the
// config of that level; it returns the merged config, which Confluent
// answers (as a ConfigUpdateRequest).
func (r *Registry) SetConfig(subject string, u ConfigUpdate) (*Config, error) {
	level := strings.ToUpper(u.Compatibility)
	if level != "" && !validLevel(level) {
		return nil, &Error{422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive"}
	}
	if err := validSubject(subject, true); err != nil {
		return nil, err
	}
	key := scopeKey(subject)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.checkWritable(key); err != nil {
		return nil, err
	}
	c := Config{}
	if old := r.configs[key]; old != nil {
		c = *old
	}
	c.Subject = key
	if u.Alias != "" {
		c.Alias = u.Alias
	}
	if u.Normalize != nil {
		c.Normalize = u.Normalize
	}
	if u.ValidateFields != nil {
		c.ValidateFields = u.ValidateFields
	}
	if level != "" {
		c.CompatibilityLevel = level
	}
	if u.CompatibilityGroup != "" {
		c.CompatibilityGroup = u.CompatibilityGroup
	}
	for _, f := range []struct{ to, from *json.RawMessage }{{&c.DefaultMetadata, &u.DefaultMetadata}, {&c.OverrideMetadata, &u.OverrideMetadata}, {&c.DefaultRuleSet, &u.DefaultRuleSet}, {&c.OverrideRuleSet, &u.OverrideRuleSet}} {
		if len(*f.from) > 0 {
			*f.to = *f.from
		}
	}
	if err := r.persist(subjectKey("CONFIG", key), &c); err != nil {
		return nil, err
	}
	c.Subject = ""
	r.configs[key] = &c
	out := c
	return &out, nil
}

// DeleteConfig answers DELETE /config[/subject] with the config removed;
// a subject without one is 40401.
func (r *Registry) DeleteConfig(subject string) (*Config, error) {
	key := scopeKey(subject)
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.configs[key]
	if old == nil {
		if key != "" {
			return nil, errSubjectNotFound(key)
		}
		return &Config{CompatibilityLevel: Backward}, nil
	}
	if err := r.checkWritable(key); err != nil {
		return nil, err
	}
	if err := r.persist(subjectKey("CONFIG", key), nil); err != nil {
		return nil, err
	}
	delete(r.configs, key)
	return old, nil
}

// Level returns the compatibility level in force for a subject ("" = global).
func (r *Registry) Level(subject string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.configInScopeLocked(subject).level()
}

// SetLevel sets the global ("") or a subject's compatibility level.
func (r *Registry) SetLevel(subject, level string) error {
	_, err := r.SetConfig(subject, ConfigUpdate{Compatibility: level})
	return err
}

// modeInScopeLocked is the mode in force for a subject.
func (r *Registry) modeInScopeLocked(subject string) string {
	for _, k := range scopes(subject) {
		if m, ok := r.modes[k]; ok {
			return m
		}
	}
	return ModeReadWrite
}

// GetMode answers GET /mode[/subject]: a subject without a mode of its own
// is 40409 unless defaultToGlobal.
func (r *Registry) GetMode(subject string, defaultToGlobal bool) (string, error) {
	key := scopeKey(subject)
	r.mu.RLock()
	defer r.mu.RUnlock()
	if m, ok := r.modes[key]; ok {
		return m, nil
	}
	if key == "" || defaultToGlobal {
		return r.modeInScopeLocked(subject), nil
	}
	return "", &Error{404, 40409, fmt.Sprintf("Subject '%s' does not have subject-level mode configured", key)}
}

// SetMode answers PUT /mode[/subject]. Entering IMPORT needs the scope to
// have no live subject (42205) unless force; its soft-deleted versions are
// then hard-deleted, as Confluent does.
func (r *Registry) SetMode(subject, mode string, force bool) error {
	requested := mode
	mode = strings.ToUpper(mode)
	if err := validSubject(subject, true); err != nil {
		return err
	}
	if !validMode(mode) {
		return &Error{422, 42204, "Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD."}
	}
	key := scopeKey(subject)
	// Confluent's ModeResource compares the mode as sent (upper case)
	// before upper-casing it to store it.
	if requested == ModeForward && key != globalScope {
		return &Error{422, 42204, "Forward mode only supported on global level"}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if mode == ModeImport && r.modeInScopeLocked(subject) != ModeImport && !force {
		inScope := r.subjectsInScopeLocked(key)
		for _, s := range inScope {
			if r.hasSubjectLocked(s, Live) {
				return errNotPermitted("Cannot import since found existing subjects")
			}
		}
		for _, s := range inScope {
			for _, v := range append([]*Version(nil), r.subjects[s]...) {
				if err := r.persist(schemaKey(s, v.Version), nil); err != nil {
					return err
				}
				r.drop(s, v.Version)
			}
		}
		val := struct {
			Subject string `json:"subject,omitempty"`
		}{key}
		if err := r.persist(subjectKey("CLEAR_SUBJECT", key), val); err != nil {
			return err
		}
	}
	val := struct {
		Subject string `json:"subject,omitempty"`
		Mode    string `json:"mode"`
	}{key, mode}
	if err := r.persist(subjectKey("MODE", key), val); err != nil {
		return err
	}
	r.modes[key] = mode
	return nil
}

// subjectsInScopeLocked lists the subjects a mode key covers: all for
// "", a context's for ":.ctx:", else the subject itself.
func (r *Registry) subjectsInScopeLocked(key string) []string {
	q := parseSubject(key)
	var out []string
	for _, s := range r.sortedSubjectsLocked() {
		switch {
		case key == "":
			out = append(out, s)
		case q.Name == "":
			if contextOf(s) == q.Context {
				out = append(out, s)
			}
		case s == key:
			out = append(out, s)
		}
	}
	return out
}

// DeleteMode answers DELETE /mode[/subject] with the mode removed; a
// subject without one is 40401.
func (r *Registry) DeleteMode(subject string) (string, error) {
	key := scopeKey(subject)
	r.mu.Lock()
	defer r.mu.Unlock()
	old, ok := r.modes[key]
	if !ok {
		if key != "" {
			return "", errSubjectNotFound(key)
		}
		return ModeReadWrite, nil
	}
	if err := r.persist(subjectKey("MODE", key), nil); err != nil {
		return "", err
	}
	delete(r.modes, key)
	return old, nil
}
