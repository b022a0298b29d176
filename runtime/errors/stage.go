// Package errors is Connect's error handling for record processing
// (RetryWithToleranceOperator and its reporters): retrying retriable
// failures with backoff, tolerating or failing on the rest, and reporting
// failed records to the log and a dead letter queue.
package errors

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
