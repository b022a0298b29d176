package rest

import (
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// rootLogger is the name Connect uses for the root logger.
const rootLogger = "root"

// Loggers holds the levels set through /admin/loggers: the root logger
// and named logger namespaces, each with a slog.LevelVar so handlers can
// follow changes at run time.
type Loggers struct {
	mu     sync.Mutex
	levels map[string]*loggerLevel
}

type loggerLevel struct {
	name     string
	level    string
	modified *int64
	v        *slog.LevelVar
}

// loggerLevelJSON is LoggerLevel.
type loggerLevelJSON struct {
	Level        string `json:"level"`
	LastModified *int64 `json:"last_modified"`
}

// NewLoggers returns the set with the root logger at root's level (INFO
// when root is nil). The same LevelVar should drive the process logger.
func NewLoggers(root *slog.LevelVar) *Loggers {
	if root == nil {
		root = new(slog.LevelVar)
	}
	return &Loggers{levels: map[string]*loggerLevel{
		rootLogger: {name: rootLogger, level: levelName(root.Level()), v: root},
	}}
}

// Leveler returns the level of a logger namespace: its own when set,
// else its nearest ancestor's, else root's.
func (l *Loggers) Leveler(name string) slog.Leveler {
	l.mu.Lock()
	defer l.mu.Unlock()
	for n := name; n != ""; {
		if ll, ok := l.levels[n]; ok {
			return ll.v
		}
		i := strings.LastIndex(n, ".")
		if i < 0 {
			break
		}
		n = n[:i]
	}
	return l.levels[rootLogger].v
}

// log4jLevels maps Connect's level names to slog levels.
var log4jLevels = map[string]slog.Level{
	"TRACE": slog.LevelDebug - 4, "DEBUG": slog.LevelDebug, "INFO": slog.LevelInfo,
	"WARN": slog.LevelWarn, "ERROR": slog.LevelError, "FATAL": slog.LevelError + 4,
}

func levelName(l slog.Level) string {
	switch {
	case l < slog.LevelDebug:
		return "TRACE"
	case l < slog.LevelInfo:
		return "DEBUG"
	case l < slog.LevelWarn:
		return "INFO"
	case l < slog.LevelError:
		return "WARN"
	case l < slog.LevelError+4:
		return "ERROR"
	}
	return "FATAL"
}

func (l *Loggers) snapshot() map[string]loggerLevelJSON {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]loggerLevelJSON, len(l.levels))
	for n, ll := range l.levels {
		out[n] = loggerLevelJSON{Level: ll.level, LastModified: ll.modified}
	}
	return out
}

func (l *Loggers) get(name string) (loggerLevelJSON, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ll, ok := l.levels[name]
	if !ok {
		return loggerLevelJSON{}, false
	}
	return loggerLevelJSON{Level: ll.level, LastModified: ll.modified}, true
}

// set applies level to a namespace and its descendants (every logger for
// root) and returns the affected names, sorted.
func (l *Loggers) set(name, level string, lvl slog.Level) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now().UnixMilli()
	if _, ok := l.levels[name]; !ok {
		l.levels[name] = &loggerLevel{name: name, v: new(slog.LevelVar)}
	}
	var affected []string
	for n, ll := range l.levels {
		if name == rootLogger || n == name || strings.HasPrefix(n, name+".") {
			ll.level, ll.modified = level, &now
			ll.v.Set(lvl)
			affected = append(affected, n)
		}
	}
	sort.Strings(affected)
	return affected
}

func (s *Server) listLoggers(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Loggers.snapshot())
}

func (s *Server) getLogger(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("logger")
	ll, ok := s.cfg.Loggers.get(name)
	if !ok {
		writeError(w, newHTTPError(http.StatusNotFound, "Logger %s not found.", name))
		return
	}
	writeJSON(w, http.StatusOK, ll)
}

func (s *Server) setLogger(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := decodeBody(r, &body); err != nil {
		writeError(w, err)
		return
	}
	level, _ := body["level"].(string)
	if level == "" {
		writeError(w, newHTTPError(http.StatusBadRequest, "Desired 'level' parameter was not specified in request."))
		return
	}
	lvl, ok := log4jLevels[strings.ToUpper(level)]
	if !ok {
		writeError(w, newHTTPError(http.StatusNotFound, "invalid log level '%s'.", level))
		return
	}
	affected := s.cfg.Loggers.set(r.PathValue("logger"), strings.ToUpper(level), lvl)
	if strings.EqualFold(r.URL.Query().Get("scope"), "cluster") {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusOK, affected)
}

// Configure sets the levels of named loggers at start, from the
// "name=LEVEL,name=LEVEL" form of the container's CONNECT_LOG4J_LOGGERS.
// They are listed by /admin/loggers with a null last_modified, as levels
// from Connect's log4j configuration are.
func (l *Loggers) Configure(spec string) error {
	for _, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, level, ok := strings.Cut(entry, "=")
		name, level = strings.TrimSpace(name), strings.ToUpper(strings.TrimSpace(level))
		lvl, known := log4jLevels[level]
		if !ok || name == "" || !known {
			return fmt.Errorf("logger level %q: want logger.name=LEVEL with LEVEL one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL", entry)
		}
		l.mu.Lock()
		ll, exists := l.levels[name]
		if !exists {
			ll = &loggerLevel{name: name, v: new(slog.LevelVar)}
			l.levels[name] = ll
		}
		ll.level = level
		ll.v.Set(lvl)
		l.mu.Unlock()
	}
	return nil
}
