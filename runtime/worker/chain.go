package worker

import (
	"errors"
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/plugins"
)

// stage is one configured transformation with its optional predicate.
type stage struct {
	alias     string
	class     string
	transform connect.Transformation
	predicate connect.Predicate
	negate    bool
}

// chain applies a connector's transformations in order.
type chain struct {
	stages     []stage
	predicates []connect.Predicate
	// retry, when set, retries a transformation failing with a retriable
	// error (errors.retry.timeout); only that transformation is re-run.
	retry func(err error, op func() error) error
}

// newChain instantiates and configures the transformations and predicates
// of a parsed connector config.
func newChain(reg *plugins.Registry, p *connectorconfig.Parsed) (*chain, error) {
	c := &chain{}
	preds := map[string]connect.Predicate{}
	for _, pd := range p.Predicates {
		d, err := reg.Lookup(pd.Type, connect.TypePredicate)
		if err != nil {
			return nil, err
		}
		pr := d.New().(connect.Predicate)
		if err := pr.Configure(pd.Props); err != nil {
			c.close()
			return nil, fmt.Errorf("configuring predicate %s: %w", pd.Alias, err)
		}
		preds[pd.Alias] = pr
		c.predicates = append(c.predicates, pr)
	}
	for _, st := range p.Stages {
		d, err := reg.Lookup(st.Type, connect.TypeTransformation)
		if err != nil {
			c.close()
			return nil, err
		}
		t := d.New().(connect.Transformation)
		if err := t.Configure(st.Props); err != nil {
			c.close()
			return nil, fmt.Errorf("configuring transformation %s: %w", st.Alias, err)
		}
		c.stages = append(c.stages, stage{alias: st.Alias, class: d.Class, transform: t, predicate: preds[st.Predicate], negate: st.Negate})
	}
	return c, nil
}

// apply runs the chain; nil means a transformation dropped the record.
func (c *chain) apply(rec *connect.Record) (*connect.Record, error) {
	for _, s := range c.stages {
		if s.predicate != nil && s.predicate.Test(rec) == s.negate {
			continue
		}
		out, err := s.transform.Apply(rec)
		if err != nil && c.retry != nil && connect.IsRetriable(err) {
			out, err = c.retryStage(s.transform, rec, err)
		}
		if err != nil {
			return nil, &transformError{alias: s.alias, class: s.class, err: err}
		}
		if out == nil {
			return nil, nil
		}
		rec = out
	}
	return rec, nil
}

// retryStage re-runs one transformation; kept apart from apply so the
// closure's variables are only allocated when a retry happens.
func (c *chain) retryStage(t connect.Transformation, rec *connect.Record, err error) (*connect.Record, error) {
	var out *connect.Record
	err = c.retry(err, func() error {
		var e error
		out, e = t.Apply(rec)
		return e
	})
	return out, err
}

func (c *chain) close() error {
	var errs []error
	for _, s := range c.stages {
		errs = append(errs, s.transform.Close())
	}
	for _, p := range c.predicates {
		errs = append(errs, p.Close())
	}
	return errors.Join(errs...)
}

// transformError names the failing transformation, for error reports.
type transformError struct {
	alias, class string
	err          error
}

func (e *transformError) Error() string { return fmt.Sprintf("transformation %s: %v", e.alias, e.err) }
func (e *transformError) Unwrap() error { return e.err }

// transformClass returns the class of the transformation that failed.
func transformClass(err error) string {
	var te *transformError
	if errors.As(err, &te) {
		return te.class
	}
	return ""
}
