package srrules

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/internal/kafkaclient"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr"
)

// Confluent's DlqAction settings and the headers it adds to the copy.
const (
	dlqTopicKey     = "dlq.topic"
	dlqAutoFlushKey = "dlq.auto.flush"

	HeaderRuleName      = "__rule.name"
	HeaderRuleMode      = "__rule.mode"
	HeaderRuleSubject   = "__rule.subject"
	HeaderRuleTopic     = "__rule.topic"
	HeaderRuleException = "__rule.exception"
)

// Record is where a message was read from or is written to: what the DLQ
// action copies and labels.
type Record struct {
	Topic string
	// Headers are the record's headers, copied onto the DLQ record.
	Headers []Header
	// Value is the record's bytes: on read the bytes read. On write it is
	// nil and JSON renders the message (Confluent copies the message as
	// the schema type's JSON); a nil JSON means no copy can be made.
	Value []byte
	JSON  func(Message) ([]byte, error)
}

// Header is a record header.
type Header struct {
	Key   string
	Value []byte
}

// failedRule reads the header a DLQ copy carries: a rule it names is skipped
// when the copy is read back, as Confluent's skipRule does.
func (rec *Record) failedRule() (string, bool) {
	if rec == nil {
		return "", false
	}
	for i := len(rec.Headers) - 1; i >= 0; i-- {
		if rec.Headers[i].Key == HeaderRuleName {
			return string(rec.Headers[i].Value), true
		}
	}
	return "", false
}

// dlq is the DLQ action of one converter: its settings are Confluent's
// DlqAction configs (the converter's own settings, then
// rule.actions._default_.param.*, rule.actions._DLQ_.param.*), and its
// producer is made from them on first use, as Confluent's is.
type dlq struct {
	props     map[string]string
	topic     string
	autoFlush bool

	mu  sync.Mutex
	cl  *kgo.Client
	err error
}

func newDLQ(converter map[string]string) *dlq {
	props := map[string]string{}
	for k, v := range converter {
		props[k] = v
	}
	// Confluent drops the serializer classes it was given.
	delete(props, "key.serializer")
	delete(props, "value.serializer")
	for _, prefix := range []string{"rule.actions._default_.param.", "rule.actions._DLQ_.param."} {
		for k, v := range converter {
			if rest, ok := strings.CutPrefix(k, prefix); ok {
				props[rest] = v
			}
		}
	}
	d := &dlq{props: props, topic: props[dlqTopicKey]}
	d.autoFlush, _ = strconv.ParseBool(strings.TrimSpace(props[dlqAutoFlushKey]))
	return d
}

// producer is DlqAction's producer: acks=all, no idempotence, one request
// in flight, retried without end (Confluent's base producer configs),
// then the action's own settings (bootstrap.servers, security).
func (d *dlq) producer() (*kgo.Client, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cl != nil || d.err != nil {
		return d.cl, d.err
	}
	if strings.TrimSpace(d.props[kafkaclient.BootstrapServers]) == "" {
		// The Java producer refuses to start without it.
		d.err = errors.New(`Missing required configuration "bootstrap.servers" which has no default value.`)
		return nil, d.err
	}
	opts, err := kafkaclient.Options(d.props, nil)
	if err != nil {
		d.err = err
		return nil, err
	}
	// franz-go retries without end and has no delivery timeout unless told.
	opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()), kgo.DisableIdempotentWrite(),
		kgo.MaxProduceRequestsInflightPerBroker(1))
	d.cl, d.err = kgo.NewClient(opts...)
	return d.cl, d.err
}

func (d *dlq) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cl != nil {
		d.cl.Close()
		d.cl = nil
	}
}

// send is DlqAction.run: the record's bytes (key none: a converter sees
// no key) to the DLQ topic with the record's headers and the rule's; a
// failure to produce is logged, not returned, as Confluent logs it. The
// record then fails with "Rule failed: <name>" whatever happened. No
// topic is its own failure.
func (s *Set) sendDLQ(r *sr.SchemaRule, mode Mode, msg Message, cause error) error {
	d := s.e.dlq
	topic := d.topic
	if topic == "" {
		topic = r.Params[dlqTopicKey]
	}
	if topic == "" {
		topic = s.props[dlqTopicKey]
	}
	if topic == "" {
		return &Error{Rule: r.Name, Cause: errors.New("Could not send to DLQ as no topic is configured")}
	}
	rec := msg.Record
	if rec == nil {
		rec = &Record{}
	}
	value := rec.Value
	var err error
	if value == nil {
		if s.encrypts() {
			// Confluent redacts the fields of ENCRYPT rules in its JSON copy
			// (dlq.redact.rule.types); goconnect makes no copy rather than
			// one holding them in clear.
			err = errors.New("the message has fields of ENCRYPT rules, which goconnect does not redact in a DLQ copy")
		} else if rec.JSON == nil {
			err = errors.New("this converter cannot copy the message it writes")
		} else {
			value, err = rec.JSON(msg)
		}
	}
	if err == nil {
		out := &kgo.Record{Topic: topic, Value: value}
		for _, h := range rec.Headers {
			out.Headers = append(out.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
		}
		add := func(k, v string) { out.Headers = append(out.Headers, kgo.RecordHeader{Key: k, Value: []byte(v)}) }
		add(HeaderRuleName, r.Name)
		add(HeaderRuleMode, mode.String())
		add(HeaderRuleSubject, msg.Subject)
		add(HeaderRuleTopic, rec.Topic)
		if cause != nil {
			add(HeaderRuleException, cause.Error())
		}
		var cl *kgo.Client
		if cl, err = d.producer(); err == nil {
			cl.Produce(context.Background(), out, func(_ *kgo.Record, err error) {
				if err != nil {
					slog.Error("Could not produce message to DLQ topic", "topic", topic, "error", err)
				}
			})
			if d.autoFlush {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				err = cl.Flush(ctx)
				cancel()
			}
		}
	}
	if err != nil {
		slog.Error("Could not produce message to DLQ topic", "topic", topic, "error", err)
		return &Error{Rule: r.Name, Cause: fmt.Errorf("%w (no copy written to DLQ topic %s: %v)", causeOrNone(cause), topic, err)}
	}
	return &Error{Rule: r.Name, Cause: cause}
}

func causeOrNone(cause error) error {
	if cause == nil {
		return errors.New("rule action DLQ")
	}
	return cause
}

// Headers gives a record's Connect headers as the bytes the DLQ copy
// carries: bytes as they are, strings in UTF-8, other values as text.
func Headers(hs connect.Headers) []Header {
	out := make([]Header, 0, len(hs))
	for _, h := range hs {
		var b []byte
		switch v := h.Value.(type) {
		case nil:
		case []byte:
			b = v
		case string:
			b = []byte(v)
		default:
			b = []byte(fmt.Sprint(v))
		}
		out = append(out, Header{Key: h.Key, Value: b})
	}
	return out
}

// encrypts is whether the rule set has rules of the types Confluent's DLQ
// copy redacts by default (ENCRYPT, ENCRYPT_PAYLOAD).
func (s *Set) encrypts() bool {
	for _, r := range s.domain {
		if t := strings.ToUpper(r.Type); t == "ENCRYPT" || t == "ENCRYPT_PAYLOAD" {
			return true
		}
	}
	return false
}
