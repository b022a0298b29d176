// Command schema-registry-proxy puts Apicurio Registry's Confluent-compatible
// API (served under /apis/ccompat/v7) at the root of an address, the way
// Confluent Schema Registry serves it, so that clients see Confluent's paths
// on 127.0.0.1:8081. Built and started by scripts/services/schema-registry.sh;
// it has its own go.mod so that it stays out of goconnect's module.
//
//	schema-registry-proxy -listen 127.0.0.1:8081 -upstream http://127.0.0.1:18081
package main

import (
	"flag"
	"log"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"
)

// confluentType is the content type Confluent Schema Registry answers with
// unless a client asks for plain application/json.
const confluentType = "application/vnd.schemaregistry.v1+json"

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to serve the Confluent-style API on")
	upstream := flag.String("upstream", "http://127.0.0.1:18081", "Apicurio Registry base URL")
	prefix := flag.String("prefix", "/apis/ccompat/v7", "path of Apicurio's Confluent-compatible API")
	flag.Parse()

	target, err := url.Parse(*upstream)
	if err != nil {
		log.Fatalf("bad -upstream %q: %v", *upstream, err)
	}
	srv := &http.Server{
		Addr:              *listen,
		Handler:           handler(target, strings.TrimSuffix(*prefix, "/")),
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Printf("serving %s%s at http://%s/", target, *prefix, *listen)
	log.Fatal(srv.ListenAndServe())
}

func handler(target *url.URL, prefix string) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.URL.Path = prefix + r.In.URL.Path
			r.Out.URL.RawPath = ""
			if r.In.URL.RawPath != "" {
				r.Out.URL.RawPath = prefix + r.In.URL.RawPath
			}
			r.Out.Host = target.Host
		},
		ModifyResponse: func(resp *http.Response) error {
			// Apicurio answers application/json unless asked otherwise;
			// Confluent answers its own type unless asked for plain JSON.
			ct := resp.Header.Get("Content-Type")
			if strings.HasPrefix(ct, "application/json") && !wantsPlainJSON(resp.Request.Header.Get("Accept")) {
				resp.Header.Set("Content-Type", confluentType)
			}
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			log.Printf("%s %s: upstream: %v", r.Method, r.URL.Path, err)
			w.Header().Set("Content-Type", confluentType)
			w.WriteHeader(http.StatusBadGateway)
			_, _ = w.Write([]byte(`{"error_code":50201,"message":"schema registry backend unavailable"}`))
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Confluent answers GET / with an empty JSON object.
		if r.URL.Path == "/" || r.URL.Path == "" {
			w.Header().Set("Content-Type", confluentType)
			_, _ = w.Write([]byte("{}"))
			return
		}
		proxy.ServeHTTP(w, r)
	})
}

// wantsPlainJSON reports whether an Accept header names application/json
// and not Confluent's own type.
func wantsPlainJSON(accept string) bool {
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "vnd.schemaregistry")
}
