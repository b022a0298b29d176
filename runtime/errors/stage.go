package errors

import "fmt"

// Stage names where in a task's pipeline an operation failed, spelled as
// Connect's Stage enum (tools read it from DLQ headers and traces).
type Stage string

// Connect's stages.
const (
	TaskPoll        Stage = "TASK_POLL"
	TaskPut         Stage = "TASK_PUT"
	Transformation  Stage = "TRANSFORMATION"
	KeyConverter    Stage = "KEY_CONVERTER"
	ValueConverter  Stage = "VALUE_CONVERTER"
	HeaderConverter Stage = "HEADER_CONVERTER"
	KafkaProduce    Stage = "KAFKA_PRODUCE"
	KafkaConsume    Stage = "KAFKA_CONSUME"
)

// tolerable reports whether any error of the stage may be tolerated;
// elsewhere only retriable errors are (Connect's TOLERABLE_EXCEPTIONS).
func (s Stage) tolerable() bool {
	switch s {
	case Transformation, KeyConverter, ValueConverter, HeaderConverter, KafkaProduce:
		return true
	}
	return false
}

// javaException is the exception class Connect would raise at a stage; Go
// errors have no class, so DLQ headers and traces name this one.
func (s Stage) javaException(retriable bool) string {
	switch {
	case retriable:
		return "org.apache.kafka.connect.errors.RetriableException"
	case s == KeyConverter || s == ValueConverter || s == HeaderConverter || s == Transformation:
		return "org.apache.kafka.connect.errors.DataException"
	}
	return "org.apache.kafka.connect.errors.ConnectException"
}

// Fail names the stage in the error of a task failing outside the
// operator (a poll or a put that fails the task): "stage TASK_PUT: what:
// err", as Connect's traces name it.
func (s Stage) Fail(what string, err error) error {
	return &StageError{Stage: s, What: what, Err: err}
}

// StageError is a task failure at a stage, outside the operator.
type StageError struct {
	Stage Stage
	// What says what failed, with the record coordinates it knows.
	What string
	Err  error
}

func (e *StageError) Error() string { return fmt.Sprintf("stage %s: %s: %v", e.Stage, e.What, e.Err) }

// Unwrap returns the cause.
func (e *StageError) Unwrap() error { return e.Err }
