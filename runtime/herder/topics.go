package herder

import (
	"strings"

	"github.com/goconnect/goconnect/connect/config"
)

// Worker keys of KIP-558's active topic tracking.
const (
	TopicTrackingEnable     = "topic.tracking.enable"
	TopicTrackingAllowReset = "topic.tracking.allow.reset"
)

// TopicTracking tells whether the worker props enable active topic
// tracking (default true, as in Connect).
func TopicTracking(props map[string]string) bool {
	return workerBool(props, TopicTrackingEnable, true)
}

// CheckTopics is Connect's 403 for the topics endpoints when tracking (or,
// for a reset, resetting) is disabled.
func CheckTopics(props map[string]string, reset bool) error {
	if !TopicTracking(props) {
		return Errorf(ErrForbidden, "Topic tracking is disabled.")
	}
	if reset && !workerBool(props, TopicTrackingAllowReset, true) {
		return Errorf(ErrForbidden, "Topic tracking reset is disabled.")
	}
	return nil
}

func workerBool(props map[string]string, key string, def bool) bool {
	s, ok := props[key]
	if !ok || strings.TrimSpace(s) == "" {
		return def
	}
	v, err := config.ParseValue(config.TypeBoolean, s)
	if err != nil {
		return def
	}
	return v.(bool)
}
