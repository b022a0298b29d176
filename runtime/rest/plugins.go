package rest

import (
	"net/http"
	"strings"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/connect/config"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
)

// pluginOrder is Connect's listing order with connectorsOnly=false.
var pluginOrder = []connect.PluginType{
	connect.TypeSink, connect.TypeSource, connect.TypeTransformation,
	connect.TypePredicate, connect.TypeConverter, connect.TypeHeaderConverter,
}

func (s *Server) listPlugins(w http.ResponseWriter, r *http.Request) {
	connectorsOnly := !strings.EqualFold(r.URL.Query().Get("connectorsOnly"), "false")
	all := s.cfg.Herder.Registry().All()
	out := []pluginInfo{}
	for _, t := range pluginOrder {
		if connectorsOnly && t != connect.TypeSink && t != connect.TypeSource {
			break
		}
		for _, d := range all {
			if d.Type == t {
				out = append(out, pluginInfo{Class: d.Class, Type: string(d.Type), Version: version(d.Version)})
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// version hides Connect's "undefined" version marker.
func version(v string) string {
	if v == "undefined" {
		return ""
	}
	return v
}

// configKeyInfo is ConfigKeyInfo.
type configKeyInfo = config.KeyInfo

func newConfigKeyInfo(k config.Key) configKeyInfo {
	ki := configKeyInfo{
		Name: k.Name, Type: k.Type.String(), Required: k.Required, DefaultValue: defaultValue(k),
		Importance: k.Importance.String(), Documentation: k.Doc, Width: k.Width.String(),
		DisplayName: k.DisplayName, Dependents: k.Dependents, Order: k.Order,
	}
	if k.Group != "" {
		g := k.Group
		ki.Group = &g
	}
	if ki.DisplayName == "" {
		ki.DisplayName = k.Name // ConfigKey's display name defaults to the name
	}
	if ki.Dependents == nil {
		ki.Dependents = []string{}
	}
	if ki.Order == 0 && (ki.Group == nil || !(strings.HasPrefix(*ki.Group, "Transforms: ") || strings.HasPrefix(*ki.Group, "Predicates: "))) {
		ki.Order = -1 // unset order in group; an alias's type is 0
	}
	return ki
}

// defaultValue renders a key's default as ConfigDef.convertToString does;
// nil when it has none.
func defaultValue(k config.Key) *string {
	if k.Required || (k.NullDefault && k.Default == "") {
		return nil
	}
	switch k.Type {
	case config.TypeString, config.TypeList:
	case config.TypePassword:
		if k.Default == "" {
			return nil
		}
		h := "[hidden]"
		return &h
	default:
		if k.Default == "" {
			return nil
		}
	}
	d := k.Default
	return &d
}

// pluginDef returns the keys GET /connector-plugins/{p}/config lists: a
// connector's own keys followed by the framework's (its own win), or a
// converter's, transformation's or predicate's own keys.
func (s *Server) pluginDef(d *connect.PluginDesc) *config.Def {
	var own *config.Def
	if c, ok := d.New().(interface{ ConfigDef() *config.Def }); ok {
		own = c.ConfigDef()
	}
	if own == nil {
		own = config.NewDef()
	}
	if d.Type != connect.TypeSource && d.Type != connect.TypeSink {
		return own
	}
	framework := frameworkDef(d.Type)
	out := config.NewDef().Merge(own)
	for _, k := range framework.Keys() {
		if _, clash := own.Key(k.Name); !clash {
			out.Define(k)
		}
	}
	return out
}

// frameworkDef is Connect's own keys of a source or sink connector.
func frameworkDef(t connect.PluginType) *config.Def {
	if t == connect.TypeSink {
		return connectorconfig.SinkDef()
	}
	return connectorconfig.SourceDef()
}

func (s *Server) pluginConfig(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("plugin")
	d, err := s.cfg.Herder.Registry().Lookup(name)
	if err != nil {
		writeError(w, newHTTPError(http.StatusNotFound, "Unknown plugin %s.", name))
		return
	}
	// Connect 4.1 shows the plugin's version as the default here.
	withVersion := func(def *config.Def) *config.Def {
		if k, ok := def.Key(connectorconfig.ConnectorPluginVersion); ok && d.Version != "" {
			k.Default, k.NullDefault = d.Version, false
			def.Define(k)
		}
		return def
	}
	keys := withVersion(s.pluginDef(d)).Keys()
	var out []configKeyInfo
	if rep, ok := reportedKeys(d, d.New()); ok {
		out = rep
		reported := map[string]bool{}
		for _, k := range out {
			reported[k.Name] = true
		}
		if d.Type == connect.TypeSource || d.Type == connect.TypeSink {
			for _, k := range withVersion(frameworkDef(d.Type)).Keys() {
				if !reported[k.Name] {
					out = append(out, newConfigKeyInfo(k))
				}
			}
		}
	} else {
		out = make([]configKeyInfo, len(keys))
		for i, k := range keys {
			out[i] = newConfigKeyInfo(k)
		}
	}
	writeJSON(w, http.StatusOK, out)
}
