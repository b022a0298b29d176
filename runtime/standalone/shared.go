package standalone

import "github.com/goconnect/goconnect/runtime/herder"

// The views and errors both herders share live in package herder.
type (
	Info            = herder.Info
	ConnectorStatus = herder.ConnectorStatus
	ConnectorOffset = herder.ConnectorOffset
	Error           = herder.Error
)

var (
	ErrNotFound   = herder.ErrNotFound
	ErrExists     = herder.ErrExists
	ErrBadRequest = herder.ErrBadRequest
	ErrForbidden  = herder.ErrForbidden
	errorf        = herder.Errorf
)
