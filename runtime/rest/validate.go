package rest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/internal/kafkadefs"
	"github.com/goconnect/goconnect/internal/mask"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/plugins"
)

// configInfos is ConfigInfos, the answer of /config/validate.
type configInfos struct {
	Name       string       `json:"name"`
	ErrorCount int          `json:"error_count"`
	Groups     []string     `json:"groups"`
	Configs    []configInfo `json:"configs"`
}

type configInfo struct {
	Definition *configKeyInfo   `json:"definition"`
	Value      *configValueInfo `json:"value"`
}

// configValueInfo is ConfigValueInfo.
type configValueInfo = config.ValueInfo

// normalizedPluginName drops a trailing "Connector", as Connect compares names.
func normalizedPluginName(n string) string {
	if s, ok := strings.CutSuffix(n, "Connector"); ok && s != "" {
		return s
	}
	return n
}

func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	plugin := r.PathValue("plugin")
	var raw map[string]any
	if err := decodeBody(r, &raw); err != nil {
		writeError(w, err)
		return
	}
	vals, err := configMap(raw)
	if err != nil {
		writeError(w, err)
		return
	}
	props := make(map[string]string, len(vals))
	var nulls []string
	for k, v := range vals {
		if v == nil {
			nulls = append(nulls, k)
			continue
		}
		props[k] = *v
	}
	class, given := props[connectorconfig.ConnectorClass]
	if given && !strings.HasSuffix(normalizedPluginName(class), normalizedPluginName(plugin)) {
		writeError(w, newHTTPError(http.StatusBadRequest, "Included connector type %s does not match request type %s", class, plugin))
		return
	}
	if strings.TrimSpace(class) == "" {
		// Errors raised inside validation are not unwrapped on this endpoint.
		writeError(w, newHTTPError(http.StatusInternalServerError,
			"org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config %s contains no connector type", javaMap(mask.Props(props))))
		return
	}
	reg := s.cfg.Herder.Registry()
	d, err := reg.Lookup(class, connect.TypeSource, connect.TypeSink)
	if err != nil {
		writeError(w, newHTTPError(http.StatusInternalServerError,
			"org.apache.kafka.connect.errors.ConnectException: Failed to find any class that implements Connector and which name matches %s", class))
		return
	}
	resolved, err := s.cfg.ConfigTransformer.Transform(props)
	if err != nil {
		writeError(w, newHTTPError(http.StatusInternalServerError, "%s", err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, validateConfig(r.Context(), reg, d, class, resolved, props, nulls, s.cfg.ClientOverridePolicy, s.cfg.SourcePreflight, s.cfg.Converters))
}

// validateConfig checks props against the framework keys (enriched with
// the keys of each transform and predicate alias) and the connector's
// own keys, and reports every key with its value and errors. props have
// their placeholders resolved; the values reported are those of raw, so
// a resolved secret never appears in the answer.
//
// A connector that is a connect.ConfigReporter answers for its own keys
// itself (definitions and checks); its part follows the framework's, as
// Connect merges the two.
func validateConfig(ctx context.Context, reg *plugins.Registry, d *connect.PluginDesc, class string, props, raw map[string]string, nulls []string, policy connectorconfig.OverridePolicy, preflight connectorconfig.SourcePreflight, workerConverters map[string]string) configInfos {
	rep, _ := d.New().(connect.ConfigReporter)
	def := enrichedDef(reg, d, props, rep == nil)
	recommended := pluginDefaults(reg, d, def, props, workerConverters)
	errs := map[string][]string{}
	addErr := func(key, msg string) {
		for _, m := range errs[key] {
			if m == msg {
				return
			}
		}
		errs[key] = append(errs[key], msg)
	}
	for _, k := range nulls {
		addErr(k, "Null value can not be supplied as the configuration value.")
	}
	_, perr := def.Parse(props)
	connectorconfig.ShowRaw(perr, raw, props)
	for _, e := range herder.ConfigErrors(perr) {
		var ce *config.Error
		if errors.As(e, &ce) {
			addErr(ce.Key, herder.ConfigErrorMessage(e))
		}
	}
	// Kafka's ConfigDef.validate reports no value for a key whose value
	// does not parse, and runs its validator on that null.
	unparsable := map[string]bool{}
	for _, k := range def.Keys() {
		if v, ok := props[k.Name]; ok {
			if _, err := config.ParseValue(k.Type, v); err != nil {
				unparsable[k.Name] = true
				if nerr := k.NullError(); nerr != nil {
					addErr(k.Name, nerr.Error())
				}
			}
		}
	}
	// The runtime's own checks add what the key definitions cannot see
	// (topics vs topics.regex, unknown plugin classes, predicates); keys
	// already in error were reported from the same definitions above.
	_, cerr := connectorconfig.Parse(reg, props)
	connectorconfig.ShowRaw(cerr, raw, props)
	for _, e := range herder.ConfigErrors(cerr) {
		var ce *config.Error
		if !errors.As(e, &ce) || len(errs[ce.Key]) > 0 {
			continue
		}
		if _, framework := def.Key(ce.Key); rep != nil && !framework {
			continue // the connector's own checks, which rep reports in its words
		}
		addErr(ce.Key, herder.ConfigErrorMessage(e))
	}
	for _, e := range herder.ConfigErrors(policy.Check(props)) {
		var ce *config.Error
		if errors.As(e, &ce) {
			addErr(ce.Key, ce.Message)
		}
	}
	// The mode's exactly-once preflight, on values that passed so far.
	for _, e := range herder.ConfigErrors(preflight.Check(d.New(), props, func(k string) bool { return len(errs[k]) > 0 })) {
		var ce *config.Error
		if errors.As(e, &ce) {
			addErr(ce.Key, ce.Message)
		}
	}
	if d.Type == connect.TypeSink {
		// Connect reports the topics/topics.regex conflict on both keys.
		for _, m := range errs[connectorconfig.Topics] {
			if strings.Contains(m, connectorconfig.TopicsRegex) {
				addErr(connectorconfig.TopicsRegex, m)
			}
		}
	}
	out := configInfos{Name: class, Groups: []string{}, Configs: []configInfo{}}
	seenGroup := map[string]bool{}
	// Keys with errors but no definition come first, with a null definition.
	var undefined []string
	for k := range errs {
		if _, ok := def.Key(k); !ok {
			undefined = append(undefined, k)
		}
	}
	sort.Strings(undefined)
	for _, k := range undefined {
		var v *string
		if s, ok := raw[k]; ok {
			if config.Sensitive(k) {
				s = config.Hidden
			}
			v = &s
		}
		vi := valueInfo(k, v, errs[k])
		out.Configs = append(out.Configs, configInfo{Value: &vi})
	}
	var rp *reported
	if rep != nil {
		rp = newReported(ctx, rep, props)
	}
	for _, k := range def.Keys() {
		if k.Group != "" && !seenGroup[k.Group] {
			seenGroup[k.Group] = true
			out.Groups = append(out.Groups, k.Group)
		}
		if ci, ok := rp.take(k.Name); ok {
			// The connector defines a framework key itself: its
			// definition and result, in the framework's place, as Connect
			// merges the two.
			out.Configs = append(out.Configs, ci)
			continue
		}
		ki := newConfigKeyInfo(k)
		shown := renderValue(k, raw)
		if unparsable[k.Name] {
			shown = nil
		}
		vi := valueInfo(k.Name, shown, errs[k.Name])
		if r := recommended[k.Name]; r != nil {
			vi.RecommendedValues = r
		}
		out.Configs = append(out.Configs, configInfo{Definition: &ki, Value: &vi})
	}
	if rp != nil {
		out.Configs = append(out.Configs, rp.rest(&out.Groups)...)
	}
	for _, c := range out.Configs {
		if c.Value != nil {
			out.ErrorCount += len(c.Value.Errors)
		}
	}
	return out
}

// reported is a ConfigReporter's part of a validation, as Connect's
// generateResult builds a connector's: results without a definition
// first, then every key in order with its result (null when it has none).
// Keys the framework defines too are taken into the framework's place.
type reported struct {
	keys      []config.KeyInfo
	results   map[string]*configValueInfo
	undefined []configInfo
	taken     map[string]bool
}

func newReported(ctx context.Context, rep connect.ConfigReporter, props map[string]string) *reported {
	r := &reported{keys: rep.ReportedKeys(), results: map[string]*configValueInfo{}, taken: map[string]bool{}}
	defined := make(map[string]bool, len(r.keys))
	for _, k := range r.keys {
		defined[k.Name] = true
	}
	for _, v := range rep.ReportConfig(ctx, props) {
		v := v
		if !defined[v.Name] {
			r.undefined = append(r.undefined, configInfo{Value: &v})
			continue
		}
		r.results[v.Name] = &v
	}
	return r
}

// take returns the entry of a reported key for the framework's place.
func (r *reported) take(name string) (configInfo, bool) {
	if r == nil {
		return configInfo{}, false
	}
	for i := range r.keys {
		if r.keys[i].Name == name {
			r.taken[name] = true
			return configInfo{Definition: &r.keys[i], Value: r.results[name]}, true
		}
	}
	return configInfo{}, false
}

// rest is the connector's part: the undefined results, then the keys not
// taken; the keys' groups (all of them, in order) are added to groups.
func (r *reported) rest(groups *[]string) []configInfo {
	seen := map[string]bool{}
	for _, g := range *groups {
		seen[g] = true
	}
	out := r.undefined
	for i := range r.keys {
		k := &r.keys[i]
		if k.Group != nil && !seen[*k.Group] {
			seen[*k.Group] = true
			*groups = append(*groups, *k.Group)
		}
		if !r.taken[k.Name] {
			out = append(out, configInfo{Definition: k, Value: r.results[k.Name]})
		}
	}
	return out
}

// pluginDefaults gives the plugin keys of Connect 4.1's enriched
// definition the defaults validation reports: the worker's converters and
// the versions of the connector and of the converters in use (KIP-891).
// It returns the recommended values of those keys: the installed
// converters of each kind, sorted by class as Connect lists them, and the
// one version of each plugin.
func pluginDefaults(reg *plugins.Registry, d *connect.PluginDesc, def *config.Def, props, workerConverters map[string]string) map[string][]string {
	rec := map[string][]string{}
	setDefault := func(name, value string) {
		k, ok := def.Key(name)
		if !ok || value == "" {
			return
		}
		k.Default, k.NullDefault = value, false
		def.Define(k)
	}
	setDefault(connectorconfig.ConnectorPluginVersion, d.Version)
	rec[connectorconfig.ConnectorPluginVersion] = []string{d.Version}
	for _, c := range []struct {
		class, version string
		typ            connect.PluginType
	}{
		{connectorconfig.KeyConverter, connectorconfig.KeyConverterPluginVersion, connect.TypeConverter},
		{connectorconfig.ValueConverter, connectorconfig.ValueConverterPluginVersion, connect.TypeConverter},
		{connectorconfig.HeaderConverter, connectorconfig.HeaderConverterPluginVersion, connect.TypeHeaderConverter},
	} {
		var installed []string
		for _, p := range reg.All() {
			if p.Type == c.typ {
				installed = append(installed, p.Class)
			}
		}
		sort.Strings(installed)
		rec[c.class] = installed
		setDefault(c.class, workerConverters[c.class])
		used := strings.TrimSpace(props[c.class])
		if used == "" {
			used = workerConverters[c.class]
		}
		if used == "" {
			continue
		}
		if p, err := reg.Lookup(used, c.typ); err == nil {
			setDefault(c.version, p.Version)
			rec[c.version] = []string{p.Version}
		}
	}
	for _, a := range []struct {
		list string
		typ  connect.PluginType
	}{{connectorconfig.Transforms, connect.TypeTransformation}, {connectorconfig.Predicates, connect.TypePredicate}} {
		var installed []string
		for _, p := range reg.All() {
			if p.Type == a.typ {
				installed = append(installed, p.Class)
			}
		}
		sort.Strings(installed)
		for _, alias := range aliases(props[a.list]) {
			prefix := a.list + "." + alias + "."
			rec[prefix+"type"] = installed
			if p, err := reg.Lookup(strings.TrimSpace(props[prefix+"type"]), a.typ); err == nil {
				setDefault(prefix+"plugin.version", p.Version)
				rec[prefix+"plugin.version"] = []string{p.Version}
			}
		}
	}
	return rec
}

func valueInfo(name string, v *string, errs []string) configValueInfo {
	if errs == nil {
		errs = []string{}
	}
	return configValueInfo{Name: name, Value: v, RecommendedValues: []string{}, Errors: errs, Visible: true}
}

// renderValue is the value Connect reports for a key: the parsed value
// given (lists comma-joined, passwords hidden) or the default.
func renderValue(k config.Key, props map[string]string) *string {
	s, ok := props[k.Name]
	if !ok {
		return defaultValue(k)
	}
	if config.Sensitive(k.Name) {
		hidden := config.Hidden
		return &hidden
	}
	v, err := config.ParseValue(k.Type, s)
	if err != nil {
		return &s
	}
	var out string
	switch x := v.(type) {
	case []string:
		out = strings.Join(x, ",")
	case config.Password:
		out = "[hidden]"
	case string:
		out = x
	default:
		out = strings.TrimSpace(s)
	}
	return &out
}

// enrichedDef is the framework def for the connector's type plus the keys
// of each configured transform and predicate alias, then the connector's
// own keys, as Connect 4.1's validation lists them: per alias its type
// (order 0), its plugin.version (order 1), then the plugin's own keys —
// with a transformation's predicate and negate among them — in Kafka's
// sortedConfigs order, numbered from 2, each shown under its bare name.
func enrichedDef(reg *plugins.Registry, d *connect.PluginDesc, props map[string]string, withOwn bool) *config.Def {
	def := connectorconfig.SourceDef()
	if d.Type == connect.TypeSink {
		def = connectorconfig.SinkDef()
	}
	for _, alias := range aliases(props[connectorconfig.Transforms]) {
		prefix := "transforms." + alias + "."
		group := "Transforms: " + alias
		def.Define(config.Key{Name: prefix + "type", Type: config.TypeClass, Required: true, Importance: config.High,
			Doc: "Class for the '" + alias + "' transformation.", Group: group, Order: 0, Width: config.WidthLong, DisplayName: "Transformation type for " + alias})
		def.Define(config.Key{Name: prefix + "plugin.version", Type: config.TypeString, NullDefault: true, Importance: config.High,
			Doc: "Version of the '" + alias + "' transformation.", Group: group, Order: 1, Width: config.WidthLong, DisplayName: "Transformation version for " + alias})
		own := []config.Key{
			{Name: "predicate", Type: config.TypeString, NullDefault: true, Importance: config.Medium,
				Doc: "The alias of a predicate used to determine whether to apply this transformation."},
			{Name: "negate", Type: config.TypeBoolean, Default: "false", Importance: config.Medium,
				Doc: "Whether the configured predicate should be negated."},
		}
		embedPluginKeys(def, append(own, pluginKeys(reg, props[prefix+"type"], connect.TypeTransformation)...), prefix, group)
	}
	for _, alias := range aliases(props[connectorconfig.Predicates]) {
		prefix := "predicates." + alias + "."
		group := "Predicates: " + alias
		def.Define(config.Key{Name: prefix + "type", Type: config.TypeClass, Required: true, Importance: config.High,
			Doc: "Class for the '" + alias + "' predicate.", Group: group, Order: 0, Width: config.WidthLong, DisplayName: "Predicate type for " + alias})
		def.Define(config.Key{Name: prefix + "plugin.version", Type: config.TypeString, NullDefault: true, Importance: config.High,
			Doc: "Version of the '" + alias + "' predicate.", Group: group, Order: 1, Width: config.WidthLong, DisplayName: "Predicate version for " + alias})
		embedPluginKeys(def, pluginKeys(reg, props[prefix+"type"], connect.TypePredicate), prefix, group)
	}
	if c, ok := d.New().(connect.Connector); ok && withOwn {
		if own := c.ConfigDef(); own != nil {
			for _, k := range own.Keys() {
				def.Define(k)
			}
		}
	}
	return def
}

// pluginKeys are the own keys of the plugin class names, if it is one.
func pluginKeys(reg *plugins.Registry, class string, t connect.PluginType) []config.Key {
	if strings.TrimSpace(class) == "" {
		return nil
	}
	pd, err := reg.Lookup(class, t)
	if err != nil {
		return nil
	}
	inst := pd.New()
	var own *config.Def
	if p, ok := inst.(interface{ ConfigDef() *config.Def }); ok {
		own = p.ConfigDef()
	}
	if infos, ok := reportedKeys(pd, inst); ok {
		var out []config.Key
		for _, ki := range infos {
			k := config.KeyFromInfo(ki)
			// The listed definition is Java's; the checks stay the plugin's.
			if own != nil {
				if ok, found := own.Key(k.Name); found && ok.Type == k.Type {
					k.Validator = ok.Validator
				}
			}
			out = append(out, k)
		}
		return out
	}
	if own == nil {
		return nil
	}
	return own.Keys()
}

// reportedKeys are the definitions a plugin lists other than its
// ConfigDef's: a KeyReporter's, or, for Kafka's own transformations,
// predicates and converters, Connect 4.1.1's (internal/kafkadefs).
func reportedKeys(pd *connect.PluginDesc, inst any) ([]config.KeyInfo, bool) {
	if r, ok := inst.(connect.KeyReporter); ok {
		return r.ReportedKeys(), true
	}
	if pd.Type == connect.TypeSource || pd.Type == connect.TypeSink {
		return nil, false
	}
	return kafkadefs.Keys(pd.Class)
}

// embedPluginKeys adds a plugin's keys under prefix and group as Kafka's
// ConfigDef.embed does: in sortedConfigs order (by order in group, then
// required keys first, then by importance, then by name; the plugins'
// keys have no group),
// numbered from 2 after type and plugin.version, each displayed under its
// own name.
func embedPluginKeys(def *config.Def, keys []config.Key, prefix, group string) {
	keys = slices.Clone(keys)
	order := func(k config.Key) int {
		if k.Order == 0 {
			return -1 // Kafka's "no order in group"
		}
		return k.Order
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if order(a) != order(b) {
			return order(a) < order(b)
		}
		if a.Required != b.Required {
			return a.Required
		}
		if a.Importance != b.Importance {
			return a.Importance < b.Importance
		}
		return a.Name < b.Name
	})
	for i, k := range keys {
		if k.DisplayName == "" {
			k.DisplayName = k.Name
		}
		if k.Validator != nil {
			k.Validator = embeddedValidator{inner: k.Validator, name: k.Name}
		}
		k.Name, k.Group, k.Order = prefix+k.Name, group, i+2
		def.Define(k)
	}
}

// embeddedValidator runs a plugin key's validator under the key's bare
// name, as Kafka's ConfigDef.embed does: its error names the bare key and
// shows the parsed value as Java prints it (a list as [a, b]).
type embeddedValidator struct {
	inner config.Validator
	name  string
}

func (e embeddedValidator) Validate(key string, v any) error {
	err := e.inner.Validate(e.name, v)
	if err == nil {
		return nil
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		// Worded by the plugin: keep its words, report it on this key.
		out := *ce
		if out.Named == "" {
			out.Named = e.name
		}
		out.Key, out.Whole = key, true
		return &out
	}
	shown := fmt.Sprint(v)
	switch x := v.(type) {
	case []string:
		shown = "[" + strings.Join(x, ", ") + "]"
	case config.Password:
		shown = config.Hidden
	}
	return &config.Error{Key: key, Named: e.name, Value: shown, Message: err.Error(), Given: true, Whole: true}
}

func (e embeddedValidator) String() string { return fmt.Sprint(e.inner) }

func aliases(list string) []string {
	var out []string
	for _, a := range strings.Split(list, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// javaMap renders a map as Java's Map.toString does: {k=v, k2=v2}.
func javaMap(m map[string]string) string {
	keys := config.SortedKeys(m)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + m[k]
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
