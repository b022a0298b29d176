//go:build e2e

package mysql

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-mysql-org/go-mysql/client"
)

// startWriters runs n writers, each on its own connection, until the
// returned stop is called (also at the test's end). Writer w runs the
// statements next(w, i) returns for its i-th step, in order; done counts
// the steps all writers completed. A failing statement fails the test and
// ends its writer.
func startWriters(t *testing.T, n int, done *atomic.Int64, next func(w, i int) []string) (stop func()) {
	t.Helper()
	quit := make(chan struct{})
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := client.Connect("127.0.0.1:3307", "debezium", "dbz", "demo")
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close()
			for i := 0; ; i++ {
				select {
				case <-quit:
					return
				default:
				}
				for _, q := range next(w, i) {
					if _, err := c.Execute(q); err != nil {
						t.Error(err)
						return
					}
				}
				done.Add(1)
			}
		}()
	}
	var once sync.Once
	stop = func() { once.Do(func() { close(quit); wg.Wait() }) }
	t.Cleanup(stop)
	return stop
}
