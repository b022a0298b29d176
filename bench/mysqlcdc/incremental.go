package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// incremental: the initial snapshot of the table and then an incremental
// snapshot of it (an execute-snapshot signal through the signalling
// table) on the same fresh worker, with a writer inserting single-row
// transactions into another captured table at -incr-rate while the
// incremental snapshot runs: rows/s of both snapshots, their ratio, and
// the writer's COMMIT → record-fetched lag during the incremental one.
func (b *bench) incremental() error {
	total := int64(*rows + b.extra)
	admin, err := connect(b.db)
	if err != nil {
		return err
	}
	defer admin.Close()
	for _, q := range []string{"CREATE TABLE sig (id VARCHAR(42) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)",
		"CREATE TABLE lag (id INT PRIMARY KEY, name VARCHAR(50), ts DATETIME)"} {
		if _, err := admin.Execute(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	// The connector's user writes the watermarks: INSERT on the
	// signalling table for each of its accounts.
	res, err := admin.Execute("SELECT host FROM mysql.user WHERE user = 'debezium'")
	if err != nil {
		return err
	}
	for i := 0; i < res.RowNumber(); i++ {
		host, _ := res.GetString(i, 0)
		if _, err := admin.Execute(fmt.Sprintf("GRANT INSERT, DELETE ON %s.sig TO 'debezium'@'%s'", b.db, host)); err != nil {
			return fmt.Errorf("granting the signalling table: %w", err)
		}
	}
	w, err := startWorker(b.bin, b.dir, converterProps(nil))
	if err != nil {
		return err
	}
	defer w.stop()
	initial, err := b.snapshotRun(w, "bench-incr-initial", fmt.Sprintf("binit%d", b.stamp), []string{b.table}, 1, total)
	if err != nil {
		return err
	}

	prefix := fmt.Sprintf("bincr%d", b.stamp)
	topic, lagTopic, sigTopic := prefix+"."+b.db+"."+b.table, prefix+"."+b.db+".lag", prefix+"."+b.db+".sig"
	if err := b.createTopics(topic, lagTopic, sigTopic); err != nil {
		return err
	}
	cfg := connectorConfig(prefix, b.db, b.table, "no_data")
	cfg["table.include.list"] = b.db + "." + b.table + "," + b.db + ".lag"
	cfg["signal.data.collection"] = b.db + ".sig"
	// Not 990001-990003: the other phases' (and their Debezium run's) ids.
	cfg["database.server.id"] = "990013"
	if err := w.call(http.MethodPost, "/connectors", map[string]any{"name": "bench-incr", "config": cfg}); err != nil {
		return err
	}
	// Streaming has begun once a row of the signalling table is on its
	// topic (rows written before that are not seen: repeated).
	for i := 0; ; i++ {
		if i == 600 {
			return fmt.Errorf("the incremental connector did not start streaming")
		}
		if _, err := admin.Execute(fmt.Sprintf("INSERT INTO sig VALUES ('probe-%d', 'probe', NULL)", i)); err != nil {
			return err
		}
		if _, _, err := waitTopic(b.adm, 1, 100*time.Millisecond, sigTopic); err == nil {
			break
		}
	}

	lagDone := make(chan struct{})
	var lagRes struct {
		lat []time.Duration
		n   int
		err error
	}
	go func() {
		defer close(lagDone)
		lagRes.lat, lagRes.n, lagRes.err = paceWriter(b.adm, lagTopic, b.db, *incrRate)
	}()
	defer func() { stopWriter() }()
	time.Sleep(time.Second) // the writer at its pace before the snapshot starts (load shape)
	started := time.Now()
	// The collection as a regex, its dot unescaped (SQL and JSON would
	// each want the backslash doubled).
	if _, err := admin.Execute(`INSERT INTO sig VALUES ('bench-incr', 'execute-snapshot', '{"data-collections": ["` + b.db + `.` + b.table + `"]}')`); err != nil {
		return err
	}
	_, done, err := waitTopic(b.adm, total, 30*time.Minute, topic)
	if err != nil {
		return err
	}
	stopWriter()
	<-lagDone
	if lagRes.err != nil {
		return lagRes.err
	}
	rate := total
	incr := float64(rate) / done.Sub(started).Seconds()
	lat := lagRes.lat
	fmt.Printf("INCREMENTAL SNAPSHOT %d-row table (chunks of 1024, watermarks in the signalling table): %.0f rows/s from the signal; initial snapshot of the same table on the same worker %.0f rows/s; incremental/initial %.2f\n",
		total, incr, initial, incr/initial)
	if len(lat) > 0 {
		fmt.Printf("INCREMENTAL SNAPSHOT streaming lag of a concurrent writer (%d single-row transactions, %.0f/s while the snapshot ran): COMMIT → record fetched from Kafka p50 %s, p99 %s, max %s\n",
			len(lat), float64(lagRes.n)/done.Sub(started.Add(-time.Second)).Seconds(), lat[len(lat)/2].Round(10*time.Microsecond), lat[len(lat)*99/100].Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	}
	return w.call(http.MethodDelete, "/connectors/bench-incr", nil)
}

var (
	writerStop     = make(chan struct{})
	writerStopOnce sync.Once
)

func stopWriter() { writerStopOnce.Do(func() { close(writerStop) }) }

// paceWriter inserts single-row transactions into db.lag at perSec until
// stopWriter, and times each from its COMMIT returning to its record being
// fetched from topic.
func paceWriter(adm *kadm.Client, topic, db string, perSec int) ([]time.Duration, int, error) {
	ends, err := adm.ListEndOffsets(context.Background(), topic)
	if err != nil {
		return nil, 0, err
	}
	start := map[string]map[int32]kgo.Offset{topic: {}}
	ends.Each(func(o kadm.ListedOffset) { start[topic][o.Partition] = kgo.NewOffset().At(o.Offset) })
	cons, err := kgo.NewClient(kgo.SeedBrokers(*brokers), kgo.ConsumePartitions(start), kgo.FetchMaxWait(10*time.Millisecond))
	if err != nil {
		return nil, 0, err
	}
	defer cons.Close()
	var mu sync.Mutex
	committed, fetched := map[int]time.Time{}, map[int]time.Time{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for ctx.Err() == nil {
			f := cons.PollFetches(ctx)
			now := time.Now()
			mu.Lock()
			for _, r := range f.Records() {
				var k struct{ ID int }
				if json.Unmarshal(r.Key, &k) == nil {
					fetched[k.ID] = now
				}
			}
			mu.Unlock()
		}
	}()
	// Four connections, each at a quarter of the rate: one alone does not
	// reach 1k commits/s here.
	const writers = 4
	var wg sync.WaitGroup
	var werr error
	var n int
	for k := 0; k < writers; k++ {
		c, err := connect(db)
		if err != nil {
			return nil, 0, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			tick := time.NewTicker(time.Second * writers / time.Duration(perSec))
			defer tick.Stop()
			for id := k; ; id += writers {
				select {
				case <-writerStop:
					return
				case <-tick.C:
				}
				if _, err := c.Execute(fmt.Sprintf("INSERT INTO lag VALUES (%d, 'lag', '2024-01-15 10:30:00')", id)); err != nil {
					mu.Lock()
					werr = err
					mu.Unlock()
					return
				}
				mu.Lock()
				committed[id] = time.Now()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if werr != nil {
		return nil, 0, werr
	}
	// The last records are fetched within seconds when the connector keeps up.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		got := len(fetched)
		mu.Unlock()
		if got >= n || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // polling interval
	}
	cancel()
	<-readerDone
	mu.Lock()
	defer mu.Unlock()
	if len(fetched) < n {
		return nil, n, fmt.Errorf("lag writer: %d of %d records arrived", len(fetched), n)
	}
	lat := make([]time.Duration, 0, n)
	for id, t := range committed {
		if _, ok := fetched[id]; !ok {
			continue
		}
		lat = append(lat, max(fetched[id].Sub(t), 0))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat, n, nil
}
