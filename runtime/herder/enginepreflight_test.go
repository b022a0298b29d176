package herder_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goconnect/goconnect/internal/testkit"
	"github.com/goconnect/goconnect/runtime/connectorconfig"
	"github.com/goconnect/goconnect/runtime/herder"
	"github.com/goconnect/goconnect/runtime/status"
)

// A distributed engine with exactly-once source support refuses, on create
// and on put, a datagen connector (which cannot tell whether it gives
// exactly-once semantics, nor define transaction boundaries) configured
// with exactly.once.support=required or transaction.boundary=connector,
// and stores nothing; the same engine in standalone mode accepts them.
func TestEngineExactlyOncePreflight(t *testing.T) {
	ctx := context.Background()
	eos := func(c *herder.Config) {
		c.SourcePreflight = connectorconfig.SourcePreflight{Distributed: true, ExactlyOnce: true}
	}
	e, configs := newEngineStore(t, true, nil, eos)
	with := func(kv ...string) map[string]string {
		p := datagen("1")
		for i := 0; i+1 < len(kv); i += 2 {
			p[kv[i]] = kv[i+1]
		}
		return p
	}
	err := e.Create(ctx, "gen", with("exactly.once.support", "required"), "")
	if !errors.Is(err, herder.ErrBadRequest) || !strings.Contains(err.Error(),
		"contains the following 1 error(s):\nThe connector does not implement the API required for preflight validation of exactly-once source support.") {
		t.Fatalf("create with exactly.once.support=required: %v", err)
	}
	_, err = e.PutConfig(ctx, "gen", with("transaction.boundary", "connector"))
	if !errors.Is(err, herder.ErrBadRequest) || !strings.Contains(err.Error(),
		"contains the following 1 error(s):\nThe connector does not support connector-defined transaction boundaries with the given configuration.") {
		t.Fatalf("put with transaction.boundary=connector: %v", err)
	}
	if n := len(configs.Snapshot().Connectors); n != 0 {
		t.Fatalf("%d connectors stored after refused writes", n)
	}
	if err := e.Create(ctx, "gen", with("exactly.once.support", "requested", "transaction.boundary", "poll"), ""); err != nil {
		t.Fatalf("create with the defaults spelled out: %v", err)
	}
	// A config already stored (written before, or by another worker) runs
	// as Connect runs it: the preflight guards writes only.
	stored := with("exactly.once.support", "required", "name", "stored")
	if err := configs.PutConnector(ctx, "stored", stored, ""); err != nil {
		t.Fatal(err)
	}
	testkit.WaitFor(t, "the stored connector's task running", 10*time.Second, func() bool {
		st, err := e.Status("stored")
		return err == nil && len(st.Tasks) == 1 && st.Tasks[0].State == status.Running
	})

	standalone, _ := newEngineStore(t, true, nil)
	if err := standalone.Create(ctx, "gen", with("exactly.once.support", "required", "transaction.boundary", "connector"), ""); err != nil {
		t.Fatalf("standalone create: %v", err)
	}
}
