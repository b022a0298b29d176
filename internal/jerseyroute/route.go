// Package jerseyroute gives a net/http ServeMux the routing manners of the
// Java servers goconnect replaces (Jersey, in Connect's REST API and in
// Confluent's schema registry): a trailing "/" names the same resource,
// OPTIONS answers with the methods a path allows, and a wrong method is
// told from an unknown path.
package jerseyroute

import (
	"net/http"
	"strings"
)

// jerseyOrder is the order Jersey lists allowed methods in: it keeps them
// in a java.util.HashSet, whose iteration follows the strings' hash
// buckets (PUT and PATCH share one, PUT first). Checked against Connect
// 4.1.1: "HEAD,POST,GET,OPTIONS", "HEAD,GET,OPTIONS,PUT,PATCH".
var jerseyOrder = []string{http.MethodHead, http.MethodDelete, http.MethodPost, http.MethodGet, http.MethodOptions, http.MethodPut, http.MethodPatch}

// routable are the methods a route may be registered for.
var routable = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// TrimSlash returns r with one trailing "/" removed from its path (the
// root excepted), as Jersey matches "/connectors/" like "/connectors".
// An escaped slash ("%2F", part of a name) is not a trailing "/".
func TrimSlash(r *http.Request) *http.Request {
	p := r.URL.Path
	if len(p) <= 1 || !strings.HasSuffix(r.URL.EscapedPath(), "/") {
		return r
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = strings.TrimSuffix(p, "/")
	if r2.URL.RawPath != "" {
		r2.URL.RawPath = strings.TrimSuffix(r2.URL.RawPath, "/")
	}
	return r2
}

// Allowed lists the methods mux routes r's path for, in Jersey's order
// with HEAD (for GET) and OPTIONS added; nil when no route has the path.
// skip, when not empty, is a catch-all pattern that does not count.
func Allowed(mux *http.ServeMux, r *http.Request, skip string) []string {
	have := map[string]bool{}
	for _, m := range routable {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != skip {
			have[m] = true
		}
	}
	if len(have) == 0 {
		return nil
	}
	if have[http.MethodGet] {
		have[http.MethodHead] = true
	}
	have[http.MethodOptions] = true
	var out []string
	for _, m := range jerseyOrder {
		if have[m] {
			out = append(out, m)
		}
	}
	return out
}

// WriteOptions answers an OPTIONS request as Jersey does: 200, an Allow
// header ("HEAD,GET,OPTIONS"), and for a client that accepts text the
// same list as a text/plain body ("HEAD, GET, OPTIONS"); for one that asks
// for another type only, that type and no body.
func WriteOptions(w http.ResponseWriter, r *http.Request, allowed []string) {
	w.Header().Set("Allow", strings.Join(allowed, ","))
	if ct := nonTextAccept(r.Header.Get("Accept")); ct != "" {
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	body := strings.Join(allowed, ", ")
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(body))
}

// nonTextAccept is the first media type of an Accept header that admits
// no text/plain, "" when text/plain is acceptable.
func nonTextAccept(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return ""
	}
	first := ""
	for _, part := range strings.Split(accept, ",") {
		mt := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch mt {
		case "*/*", "text/*", "text/plain":
			return ""
		}
		if first == "" {
			first = mt
		}
	}
	return first
}
