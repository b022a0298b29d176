package storage

import (
	"github.com/goconnect/goconnect/runtime/sessionkey"
	"github.com/goconnect/goconnect/runtime/status"
)

// RestartRequest is a pending KIP-745 restart.
type RestartRequest struct {
	IncludeTasks bool `json:"include-tasks"`
	OnlyFailed   bool `json:"only-failed"`
}

// Snapshot is the cluster's connector state as a config store holds it.
type Snapshot struct {
	// Offset grows with every write applied; workers compare it to agree
	// they read the same state, and the engine to know what it applied.
	Offset     int64
	Connectors map[string]map[string]string
	// ConnectorKeys is the order in which Connect iterates each connector
	// config it read back: a HashMap's over the config topic record
	// (distributed), the map it was given (standalone's memory store).
	ConnectorKeys map[string][]string
	Targets       map[string]status.TargetState
	// Tasks holds each connector's committed task configs.
	Tasks map[string][]map[string]string
	// SessionKey is the last session key the leader wrote (nil: none yet).
	SessionKey *sessionkey.Key
}

// Target returns a connector's target state (STARTED when none is stored).
func (s *Snapshot) Target(name string) status.TargetState {
	if t, ok := s.Targets[name]; ok {
		return t
	}
	return status.TargetStarted
}

// Change kinds of ConfigChange.
const (
	ChangeConnector  = "connector"
	ChangeTarget     = "target"
	ChangeTasks      = "tasks"
	ChangeRemoved    = "removed"
	ChangeRestart    = "restart"
	ChangeSessionKey = "session-key"
)

// ConfigChange tells what a write to the config store changed.
type ConfigChange struct {
	Connector string
	// Kind is one of the Change constants (Connector is empty for a
	// session key).
	Kind    string
	Restart RestartRequest
}
