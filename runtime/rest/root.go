package rest

import (
	"context"
	"net/http"
	"time"
)

// healthTimeout is how long GET /health waits for the herder, as Connect.
const healthTimeout = 10 * time.Second

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	id, err := s.cfg.Herder.ClusterID(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, serverInfo{Version: s.cfg.Version, Commit: s.cfg.Commit, KafkaClusterID: id})
}

// health answers as Connect 3.9+ does: 503 until startup is complete.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		writeJSON(w, http.StatusServiceUnavailable, workerStatus{Status: "starting", Message: "Worker is still starting up."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	if !s.cfg.Herder.Responsive(ctx) {
		writeJSON(w, http.StatusInternalServerError, workerStatus{Status: "unhealthy",
			Message: "Worker was unable to handle this request and may be unable to handle other requests."})
		return
	}
	writeJSON(w, http.StatusOK, workerStatus{Status: "healthy", Message: "Worker has completed startup and is ready to handle requests."})
}
