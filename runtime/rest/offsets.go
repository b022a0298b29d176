package rest

import (
	"net/http"

	"github.com/goconnect/goconnect/internal/hashorder"
	"github.com/goconnect/goconnect/runtime/herder"
)

func (s *Server) getOffsets(w http.ResponseWriter, r *http.Request) {
	offs, err := s.cfg.Herder.Offsets(r.Context(), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	out := connectorOffsets{Offsets: make([]connectorOffset, 0, len(offs))}
	for _, o := range offs {
		out.Offsets = append(out.Offsets, connectorOffset{Partition: orderedPartition(o.Partition), Offset: hashorder.Map(o.Offset)})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) alterOffsets(w http.ResponseWriter, r *http.Request) {
	var body offsetRequest
	if err := decodeBody(r, &body); err != nil {
		writeError(w, err)
		return
	}
	offs := make([]herder.ConnectorOffset, 0, len(body.Offsets))
	for _, o := range body.Offsets {
		offs = append(offs, herder.ConnectorOffset{Partition: o.Partition, Offset: o.Offset})
	}
	msg, err := s.cfg.Herder.AlterOffsets(r.Context(), r.PathValue("name"), offs)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, message{Message: msg})
}

func (s *Server) resetOffsets(w http.ResponseWriter, r *http.Request) {
	msg, err := s.cfg.Herder.ResetOffsets(r.Context(), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, message{Message: msg})
}

// orderedPartition renders a sink partition with Connect's key order.
func orderedPartition(p map[string]any) any {
	if len(p) != 2 {
		return hashorder.Map(p)
	}
	t, tok := p["kafka_topic"].(string)
	n, nok := p["kafka_partition"].(int64)
	if !tok || !nok {
		return hashorder.Map(p)
	}
	return sinkPartition{Topic: t, Partition: n}
}
