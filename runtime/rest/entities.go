package rest

import (
	"sort"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/status"
)

// The types below are Connect's REST entities. Field order is the order
// Jackson writes them in (constructor properties first), which byte-level
// comparisons and golden files rely on.

// serverInfo is GET /.
type serverInfo struct {
	Version        string `json:"version"`
	Commit         string `json:"commit"`
	KafkaClusterID string `json:"kafka_cluster_id"`
}

// workerStatus is GET /health.
type workerStatus struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// connectorTaskID is ConnectorTaskId.
type connectorTaskID struct {
	Connector string `json:"connector"`
	Task      int    `json:"task"`
}

// connectorInfo is ConnectorInfo.
type connectorInfo struct {
	Name   string            `json:"name"`
	Config orderedConfig     `json:"config"`
	Tasks  []connectorTaskID `json:"tasks"`
	Type   string            `json:"type"`
}

// connectorState is ConnectorStateInfo.ConnectorState.
type connectorState struct {
	State    string  `json:"state"`
	WorkerID string  `json:"worker_id"`
	Version  *string `json:"version"` // null when unknown, as Connect 4.1
	Trace    string  `json:"trace,omitempty"`
}

// taskState is ConnectorStateInfo.TaskState.
type taskState struct {
	ID       int     `json:"id"`
	State    string  `json:"state"`
	WorkerID string  `json:"worker_id"`
	Version  *string `json:"version"`
	Trace    string  `json:"trace,omitempty"`
}

// connectorStateInfo is ConnectorStateInfo.
type connectorStateInfo struct {
	Name      string         `json:"name"`
	Connector connectorState `json:"connector"`
	Tasks     []taskState    `json:"tasks"`
	Type      string         `json:"type"`
}

// taskInfo is TaskInfo.
type taskInfo struct {
	ID     connectorTaskID `json:"id"`
	Config orderedConfig   `json:"config"`
}

// expanded is one value of GET /connectors?expand=…
type expanded struct {
	Status *connectorStateInfo `json:"status,omitempty"`
	Info   *connectorInfo      `json:"info,omitempty"`
}

// pluginInfo is PluginInfo; version is left out when unknown.
type pluginInfo struct {
	Class   string `json:"class"`
	Type    string `json:"type"`
	Version string `json:"version,omitempty"`
}

// connectorOffset is ConnectorOffset; a null offset resets a partition.
type connectorOffset struct {
	Partition any `json:"partition"`
	// Offset is a hashorder.Map: Connect shows a source offset in its
	// HashMap's order.
	Offset any `json:"offset"`
}

// sinkPartition keeps Connect's key order for a sink offset's partition:
// a HashMap's, which puts kafka_partition first.
type sinkPartition struct {
	Partition int64  `json:"kafka_partition"`
	Topic     string `json:"kafka_topic"`
}

// offsetRequest is the body of PATCH /connectors/{name}/offsets.
type offsetRequest struct {
	Offsets []struct {
		Partition map[string]any `json:"partition"`
		Offset    map[string]any `json:"offset"`
	} `json:"offsets"`
}

// connectorOffsets is ConnectorOffsets.
type connectorOffsets struct {
	Offsets []connectorOffset `json:"offsets"`
}

// message is Message.
type message struct {
	Message string `json:"message"`
}

// activeTopics is one entry of GET /connectors/{name}/topics.
type activeTopics struct {
	Topics []string `json:"topics"`
}

func typeName(t connect.PluginType) string {
	switch t {
	case connect.TypeSource, connect.TypeSink:
		return string(t)
	}
	return "unknown"
}

func newConnectorInfo(in herder.Info) connectorInfo {
	tasks := make([]connectorTaskID, in.Tasks)
	for i := range tasks {
		tasks[i] = connectorTaskID{Connector: in.Name, Task: i}
	}
	return connectorInfo{Name: in.Name, Config: storedOrdered(in.Config, in.Keys), Tasks: tasks, Type: typeName(in.Type)}
}

func newStateInfo(st herder.ConnectorStatus) connectorStateInfo {
	ids := make([]int, 0, len(st.Tasks))
	for id := range st.Tasks {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	tasks := make([]taskState, 0, len(ids))
	for _, id := range ids {
		tasks = append(tasks, newTaskState(id, st.Tasks[id]))
	}
	return connectorStateInfo{
		Name:      st.Name,
		Connector: connectorState{State: string(st.Connector.State), WorkerID: st.Connector.WorkerID, Version: statusVersion(st.Connector), Trace: st.Connector.Trace},
		Tasks:     tasks,
		Type:      typeName(st.Type),
	}
}

func newTaskState(id int, s status.Status) taskState {
	return taskState{ID: id, State: string(s.State), WorkerID: s.WorkerID, Version: statusVersion(s), Trace: s.Trace}
}

// statusVersion is a status's plugin version, nil (JSON null) when unknown.
func statusVersion(s status.Status) *string {
	if s.Version == "" {
		return nil
	}
	return &s.Version
}
