package workerconfig

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Keys of the REST server (Connect's RestServerConfig) beyond listeners,
// rest.port and the advertised host and port.
const (
	AdminListeners       = "admin.listeners"
	RestExtensionClasses = "rest.extension.classes"
	// RestConsoleEnable is goconnect's own key (Connect has no console):
	// false leaves /ui/ unserved, answered 404 as any unknown path.
	RestConsoleEnable = "rest.console.enable"

	// ListenersHTTPSPrefix and AdminListenersHTTPSPrefix scope ssl.* keys
	// to the https listeners and the admin https listeners.
	ListenersHTTPSPrefix      = "listeners.https."
	AdminListenersHTTPSPrefix = "admin.listeners.https."

	// BasicAuthExtension is the only REST extension goconnect has: Connect's
	// HTTP basic authentication against a JAAS login module.
	BasicAuthExtension = "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
)

// RestListener is one entry of listeners or admin.listeners.
type RestListener struct {
	Scheme string // "http" or "https"
	Host   string // empty: every interface
	Port   int    // 0: any free port
}

// Addr is host:port for net.Listen.
func (l RestListener) Addr() string { return net.JoinHostPort(l.Host, strconv.Itoa(l.Port)) }

// RestServer is the REST server's settings.
type RestServer struct {
	Listeners []RestListener
	// Advertised indexes the listener whose bound port goes into the worker
	// id and the advertised URL when rest.advertised.port is unset.
	Advertised int
	// AdvertisedScheme is rest.advertised.listener, or Connect's guess from
	// listeners: http if any listener is http, else https.
	AdvertisedScheme string
	// AdminListeners serve /admin alone when set; AdminDisabled is
	// admin.listeners set to an empty value: no /admin endpoints at all.
	// Neither: /admin is served on the main listeners.
	AdminListeners []RestListener
	AdminDisabled  bool
	// TLS and AdminTLS are the unprefixed ssl.* settings of the https
	// listeners and admin listeners, chosen by Connect's all-or-nothing rule:
	// the listeners.https. (admin.listeners.https.) keys if there is any,
	// otherwise the worker's top-level ssl.* keys.
	TLS, AdminTLS map[string]string
	// BasicAuth is rest.extension.classes naming BasicAuthSecurityRestExtension.
	BasicAuth bool
	// Console is rest.console.enable: the web console at /ui/.
	Console bool
}

// listenerPattern is RestServer's LISTENER_PATTERN.
var listenerPattern = regexp.MustCompile(`^(.*)://\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$`)

// parseListeners reads listeners (or admin.listeners) with Connect's
// checks and messages.
func parseListeners(key string, entries []string) ([]RestListener, error) {
	out := make([]RestListener, 0, len(entries))
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if e == "" {
			return nil, &config.Error{Key: key, Value: strings.Join(entries, ","), Message: "Empty URL found when parsing " + key + " list."}
		}
		m := listenerPattern.FindStringSubmatch(e)
		if m == nil {
			return nil, &config.Error{Key: key, Value: e, Message: "Listener doesn't have the right format (protocol://hostname:port)."}
		}
		scheme := strings.ToLower(m[1])
		if scheme != "http" && scheme != "https" {
			return nil, &config.Error{Key: key, Value: e, Message: `Listener protocol must be either "http" or "https".`}
		}
		port, err := strconv.Atoi(m[3])
		if err != nil || port < 0 || port > 65535 {
			return nil, &config.Error{Key: key, Value: e, Message: "listener port is not a number in 0..65535"}
		}
		out = append(out, RestListener{Scheme: scheme, Host: m[2], Port: port})
	}
	return out, nil
}

// parseRestServer reads the REST settings and sets the worker id.
func parseRestServer(w *Worker, props map[string]string, v *config.Values) error {
	var rs RestServer
	var err error
	if ls := v.List(Listeners); len(ls) > 0 {
		if rs.Listeners, err = parseListeners(Listeners, ls); err != nil {
			return err
		}
	} else {
		// rest.port serves when listeners is unset, as the container sets it.
		rs.Listeners = []RestListener{{Scheme: "http", Port: int(v.Int(RestPort))}}
	}
	if raw, set := props[AdminListeners]; set {
		if strings.TrimSpace(raw) == "" {
			rs.AdminDisabled = true
		} else if rs.AdminListeners, err = parseListeners(AdminListeners, strings.Split(raw, ",")); err != nil {
			return err
		}
	}
	for _, c := range v.List(RestExtensionClasses) {
		if c != BasicAuthExtension {
			return &config.Error{Key: RestExtensionClasses, Value: c,
				Message: "goconnect has one REST extension, " + BasicAuthExtension + "; other extensions are Java classes it cannot load"}
		}
		rs.BasicAuth = true
	}
	rs.Console = v.Bool(RestConsoleEnable)
	rs.TLS = allOrNothing(props, ListenersHTTPSPrefix)
	rs.AdminTLS = allOrNothing(props, AdminListenersHTTPSPrefix)

	// The advertised scheme, host and port, as RestServer.advertisedUrl.
	rs.AdvertisedScheme = "http"
	if s := v.String(RestAdvertisedListener); s != "" {
		rs.AdvertisedScheme = strings.ToLower(s)
	} else if raw := strings.ToLower(props[Listeners]); !strings.Contains(raw, "http://") && strings.Contains(raw, "https://") {
		rs.AdvertisedScheme = "https"
	}
	for i, l := range rs.Listeners {
		if l.Scheme == rs.AdvertisedScheme {
			rs.Advertised = i
			break
		}
	}
	adv := rs.Listeners[rs.Advertised]
	w.RestAddr = adv.Addr()
	advHost := v.String(RestAdvertisedHostName)
	if advHost == "" {
		advHost = adv.Host
	}
	if advHost == "" {
		advHost, _ = os.Hostname()
	}
	advPort := adv.Port
	if v.Get(RestAdvertisedPort) != nil {
		advPort = int(v.Int(RestAdvertisedPort))
		w.advertisedPort = true
	}
	w.WorkerID = advHost + ":" + strconv.Itoa(advPort)
	w.Rest = rs
	return nil
}

// allOrNothing is AbstractConfig.valuesWithPrefixAllOrNothing: the keys
// under prefix, unprefixed, if there is any; otherwise all of props.
func allOrNothing(props map[string]string, prefix string) map[string]string {
	if scoped := config.WithPrefix(props, prefix); len(scoped) > 0 {
		return scoped
	}
	out := make(map[string]string, len(props))
	for k, val := range props {
		out[k] = val
	}
	return out
}
