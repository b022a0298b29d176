// Package plugins owns the plugin Registry, which finds plugins by the names
// users write: the Java class name, its simple name, that name without its
// type suffix (FileStreamSource for FileStreamSourceConnector) or a listed
// alias. It lists no plugin itself; the built-ins are in builtin/.
package plugins

import (
	"fmt"
	"sort"
	"strings"

	"github.com/goconnect/goconnect/connect"
)

// Registry maps names to plugin descriptions. It is built once at start
// and read-only afterwards, so it needs no lock.
type Registry struct {
	byName map[string]*connect.PluginDesc
	all    []*connect.PluginDesc
}

// NewRegistry indexes the given plugins. Two plugins claiming the same
// name is a programming error and is reported.
func NewRegistry(descs ...connect.PluginDesc) (*Registry, error) {
	r := &Registry{byName: map[string]*connect.PluginDesc{}}
	for i := range descs {
		d := &descs[i]
		r.all = append(r.all, d)
		for _, n := range Names(*d) {
			if prev, ok := r.byName[n]; ok && prev != d {
				// Simple-name clashes between plugins of different types
				// (a Converter and a HeaderConverter of one class) are
				// the same plugin in Java; keep the first of them.
				if prev.Class == d.Class {
					continue
				}
				return nil, fmt.Errorf("plugin name %q is claimed by both %s and %s", n, prev.Class, d.Class)
			}
			r.byName[n] = d
		}
	}
	sort.SliceStable(r.all, func(i, j int) bool { return r.all[i].Class < r.all[j].Class })
	return r, nil
}

// Names returns every name a plugin answers to.
func Names(d connect.PluginDesc) []string {
	names := []string{d.Class}
	simple := d.Class[strings.LastIndex(d.Class, ".")+1:]
	names = append(names, simple)
	for _, suffix := range []string{"Connector", "Converter"} {
		if s, ok := strings.CutSuffix(simple, suffix); ok && s != "" {
			names = append(names, s)
		}
	}
	return append(names, d.Aliases...)
}

// Lookup finds a plugin of the given type by any of its names.
func (r *Registry) Lookup(name string, types ...connect.PluginType) (*connect.PluginDesc, error) {
	d, ok := r.byName[strings.TrimSpace(name)]
	if ok && matches(d, types) {
		return d, nil
	}
	// A converter class may also serve as header converter.
	if ok {
		for _, other := range r.all {
			if other.Class == d.Class && matches(other, types) {
				return other, nil
			}
		}
	}
	want := "plugin"
	if len(types) > 0 {
		want = string(types[0])
	}
	return nil, fmt.Errorf("failed to find any class that implements %s and which name matches %s", want, name)
}

func matches(d *connect.PluginDesc, types []connect.PluginType) bool {
	if len(types) == 0 {
		return true
	}
	for _, t := range types {
		if d.Type == t {
			return true
		}
	}
	return false
}

// All returns every plugin sorted by class name.
func (r *Registry) All() []*connect.PluginDesc { return r.all }
