package worker

import (
	"context"
	"errors"
	"fmt"

	"github.com/goconnect/goconnect/connect"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	rterrors "github.com/goconnect/goconnect/runtime/errors"
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

// apply runs the chain; nil means a transformation dropped the record,
// or failed on it and the operator tolerated the failure. at locates the
// record in error reports; a failing transformation goes through the
// operator (stage TRANSFORMATION), which may re-run it.
func (c *chain) apply(ctx context.Context, ops *rterrors.Operator, at rterrors.Failure, rec *connect.Record) (*connect.Record, error) {
	for i := range c.stages {
		s := &c.stages[i]
		if s.predicate != nil && s.predicate.Test(rec) == s.negate {
			continue
		}
		out, err := s.transform.Apply(rec)
		if err != nil {
			if out, err = s.recover(ctx, ops, at, rec, err); err != nil {
				return nil, err
			}
		}
		if out == nil {
			return nil, nil
		}
		rec = out
	}
	return rec, nil
}

// recover hands a failed transformation to the operator; kept apart from
// apply so its closure costs nothing while records are fine.
func (s *stage) recover(ctx context.Context, ops *rterrors.Operator, at rterrors.Failure, rec *connect.Record, err error) (*connect.Record, error) {
	at.Stage, at.Class, at.Err = rterrors.Transformation, s.class, &transformError{alias: s.alias, err: err}
	out, _, err := rterrors.Execute(ctx, ops, at, func() (*connect.Record, error) {
		out, err := s.transform.Apply(rec)
		if err != nil {
			return nil, &transformError{alias: s.alias, err: err}
		}
		return out, nil
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
	alias string
	err   error
}

func (e *transformError) Error() string { return fmt.Sprintf("transformation %s: %v", e.alias, e.err) }
func (e *transformError) Unwrap() error { return e.err }
