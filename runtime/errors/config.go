package errors

import "time"

// Config is a connector's errors.* settings.
type Config struct {
	// RetryTimeout bounds the retries of one operation; 0 means no
	// retries and a negative value retries forever.
	RetryTimeout time.Duration
	// MaxDelay caps the exponential backoff between retries.
	MaxDelay time.Duration
	// TolerateAll skips failed records instead of failing the task.
	TolerateAll bool
	// Log enables logging of failed operations; LogMessages adds the
	// record's key, value and headers.
	Log, LogMessages bool
	// DLQTopic, when not empty, receives failed sink records.
	DLQTopic string
	// DLQReplication is used when the DLQ topic is created.
	DLQReplication int16
	// DLQContextHeaders adds the __connect.errors.* headers.
	DLQContextHeaders bool
}

// minDelay is the first retry delay, as Connect's RETRIES_DELAY_MIN_MS.
const minDelay = 300 * time.Millisecond

// Backoff is the retry schedule these settings give: Connect's, from
// 300ms up to errors.retry.delay.max.ms, within errors.retry.timeout.
func (c Config) Backoff() Backoff {
	return Backoff{Initial: minDelay, Max: c.MaxDelay, Timeout: c.RetryTimeout}
}
