package standalone

import (
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Worker keys of KIP-558 topic tracking.
const (
	topicTrackingEnable     = "topic.tracking.enable"
	topicTrackingAllowReset = "topic.tracking.allow.reset"
)

func (h *Herder) workerBool(key string, def bool) bool {
	s, ok := h.w.Config().Props[key]
	if !ok || strings.TrimSpace(s) == "" {
		return def
	}
	v, err := config.ParseValue(config.TypeBoolean, s)
	if err != nil {
		return def
	}
	return v.(bool)
}

// ActiveTopics returns the topics a connector produced to or consumed
// from. Like Connect it answers for any name (an unknown connector has no
// topics); 403 when tracking is disabled.
func (h *Herder) ActiveTopics(name string) ([]string, error) {
	if !h.workerBool(topicTrackingEnable, true) {
		return nil, errorf(ErrForbidden, "Topic tracking is disabled.")
	}
	return h.w.ActiveTopics(name), nil
}

// ResetTopics clears a connector's active topics.
func (h *Herder) ResetTopics(name string) error {
	if !h.workerBool(topicTrackingEnable, true) {
		return errorf(ErrForbidden, "Topic tracking is disabled.")
	}
	if !h.workerBool(topicTrackingAllowReset, true) {
		return errorf(ErrForbidden, "Topic tracking reset is disabled.")
	}
	h.w.ResetActiveTopics(name)
	return nil
}
