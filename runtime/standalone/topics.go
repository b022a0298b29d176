package standalone

import "github.com/goconnect/goconnect/runtime/herder"

// ActiveTopics returns the topics a connector produced to or consumed
// from. Like Connect it answers for any name (an unknown connector has no
// topics); 403 when tracking is disabled.
func (h *Herder) ActiveTopics(name string) ([]string, error) {
	if err := herder.CheckTopics(h.w.Config().Props, false); err != nil {
		return nil, err
	}
	return h.w.ActiveTopics(name), nil
}

// ResetTopics clears a connector's active topics.
func (h *Herder) ResetTopics(name string) error {
	if err := herder.CheckTopics(h.w.Config().Props, true); err != nil {
		return err
	}
	h.w.ResetActiveTopics(name)
	return nil
}
