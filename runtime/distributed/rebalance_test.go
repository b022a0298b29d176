package distributed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/goconnect/goconnect/runtime/herder"
)

// followsLeader tells whether f's assignment names leader as its leader.
func followsLeader(f, leader *Herder) bool {
	var fe *herder.ForwardError
	return isLeader(leader) && errors.As(f.LeaderCheck(), &fe) && fe.URL == "http://"+leader.WorkerID()
}

// TestWritesRightAfterAChangeWaitForTheRebalance: REST writes sent back to
// back right after a write that makes the cluster rebalance (a created or
// deleted connector) are served once the rebalance is over, as Connect's
// herder queues them, instead of answering 409 while it runs. Each round
// keeps writing for a while after the change, on the leader and through
// the other worker (forwarded), so the writes overlap the rebalance.
func TestWritesRightAfterAChangeWaitForTheRebalance(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	a, b := startHerder(t, c.ListenAddrs()), startHerder(t, c.ListenAddrs())
	defer a.Stop(context.Background())
	defer b.Stop(context.Background())
	eventually(t, "a leader of both workers", func() bool { return followsLeader(a, b) || followsLeader(b, a) })
	urls := []string{"http://" + a.WorkerID(), "http://" + b.WorkerID()}
	client := &http.Client{Timeout: 100 * time.Second}
	type answer struct {
		code int
		body string
	}
	do := func(method, url, body string) answer {
		t.Helper()
		req, err := http.NewRequest(method, url, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, string(b)}
	}
	expect := func(step string, got answer, want int) {
		t.Helper()
		if got.code != want {
			t.Fatalf("%s: %d %s, want %d", step, got.code, got.body, want)
		}
	}
	config := func(name, interval string) string {
		return fmt.Sprintf(`{"connector.class":"DatagenConnector","kafka.topic":"%s","quickstart":"ratings","tasks.max":"2","max.interval":"%s"}`, name, interval)
	}
	writes := 0
	for round := range 3 {
		base := urls[round%2] // odd rounds go through the follower, which forwards
		name := fmt.Sprintf("c%d", round)
		expect(name+": create", do(http.MethodPost, base+"/connectors", fmt.Sprintf(`{"name":%q,"config":%s}`, name, config(name, "5"))), http.StatusCreated)
		// The creation makes the leader rebalance; keep writing through it.
		deadline := time.Now().Add(time.Second)
		for i := 0; time.Now().Before(deadline); i++ {
			dup := do(http.MethodPost, base+"/connectors", fmt.Sprintf(`{"name":%q,"config":%s}`, name, config(name, "5")))
			if dup.code != http.StatusConflict || !strings.Contains(dup.body, "already exists") {
				t.Fatalf("%s: duplicate POST %d: %d %s, want 409 already exists", name, i, dup.code, dup.body)
			}
			expect(fmt.Sprintf("%s: PUT config %d", name, i), do(http.MethodPut, base+"/connectors/"+name+"/config", config(name, fmt.Sprint(5+i%2))), http.StatusOK)
			expect(fmt.Sprintf("%s: PATCH config %d", name, i), do(http.MethodPatch, base+"/connectors/"+name+"/config", `{"max.interval":"7"}`), http.StatusOK)
			expect(fmt.Sprintf("%s: restart %d", name, i), do(http.MethodPost, base+"/connectors/"+name+"/restart", ""), http.StatusNoContent)
			writes += 4
		}
		expect(name+": delete", do(http.MethodDelete, base+"/connectors/"+name, ""), http.StatusNoContent)
		// The deletion rebalances too: a new connector right after it.
		again := name + "-again"
		expect(again+": create", do(http.MethodPost, base+"/connectors", fmt.Sprintf(`{"name":%q,"config":%s}`, again, config(again, "5"))), http.StatusCreated)
		expect(again+": delete", do(http.MethodDelete, base+"/connectors/"+again, ""), http.StatusNoContent)
	}
	t.Logf("%d writes right after changes, none answered 409", writes)
}
