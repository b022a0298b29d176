package rest

import (
	"context"

	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/metrics"
	"github.com/goconnect/goconnect/runtime/plugins"
	"github.com/goconnect/goconnect/runtime/sessionkey"
	"github.com/goconnect/goconnect/runtime/status"
)

// Herder is what the REST API asks of a herder: the reconcile engine
// (package herder) serves it in both modes. A worker that is not the
// leader answers a request the leader must serve with an error carrying
// ForwardURL, and the server forwards the request there.
type Herder interface {
	Registry() *plugins.Registry
	WorkerID() string
	Metrics() *metrics.Registry
	ClusterID(ctx context.Context) (string, error)
	Responsive(ctx context.Context) bool

	Connectors() []string
	Info(name string) (herder.Info, error)
	Config(name string) (map[string]string, error)
	TaskConfigs(name string) ([]map[string]string, error)
	Status(name string) (herder.ConnectorStatus, error)
	TaskStatus(name string, task int) (status.Status, error)

	Create(ctx context.Context, name string, props map[string]string, initialState string) error
	PutConfig(ctx context.Context, name string, props map[string]string) (created bool, err error)
	PatchConfig(ctx context.Context, name string, patch map[string]*string) error
	Delete(ctx context.Context, name string) error
	Pause(ctx context.Context, name string) error
	Resume(ctx context.Context, name string) error
	StopConnector(ctx context.Context, name string) error
	Restart(ctx context.Context, name string, includeTasks, onlyFailed bool) (st herder.ConnectorStatus, accepted bool, err error)
	RestartTask(ctx context.Context, name string, task int) error

	Offsets(ctx context.Context, name string) ([]herder.ConnectorOffset, error)
	AlterOffsets(ctx context.Context, name string, offsets []herder.ConnectorOffset) (string, error)
	ResetOffsets(ctx context.Context, name string) (string, error)
	ActiveTopics(name string) ([]string, error)
	ResetTopics(name string) error
}

// TaskConfigWriter is the internal endpoint a distributed worker running a
// connector uses to hand its generated task configs to the leader
// (POST /connectors/{name}/tasks, as Connect's workers do). sig is the
// request's signature, which the herder checks under the sessioned
// protocol.
type TaskConfigWriter interface {
	PutTaskConfigsSigned(ctx context.Context, name string, configs []map[string]string, sig sessionkey.Signed) error
}
