package rest

import (
	"net/http"
	"strings"
)

func (s *Server) pause(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Herder.Pause(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) resume(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Herder.Resume(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) stop(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Herder.StopConnector(r.Context(), r.PathValue("name")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// queryBool reads a boolean query parameter as JAX-RS does: "true" in
// any case is true, anything else false.
func queryBool(r *http.Request, key string) bool {
	return strings.EqualFold(r.URL.Query().Get(key), "true")
}

func (s *Server) restartConnector(w http.ResponseWriter, r *http.Request) {
	st, accepted, err := s.cfg.Herder.Restart(r.Context(), r.PathValue("name"), queryBool(r, "includeTasks"), queryBool(r, "onlyFailed"))
	if err != nil {
		writeError(w, err)
		return
	}
	if !accepted {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, http.StatusAccepted, newStateInfo(st))
}

func (s *Server) restartTask(w http.ResponseWriter, r *http.Request) {
	n, err := taskID(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := s.cfg.Herder.RestartTask(r.Context(), r.PathValue("name"), n); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
