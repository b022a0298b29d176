package rest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/goconnect/goconnect/runtime/rest"
)

// serveReal runs srv's real listener setup (timeouts included) on a
// loopback port until the test ends; it returns the address.
func serveReal(t *testing.T, srv *rest.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ln.Addr().String()
}

// TestSlowClientsAreCutOff opens 200 connections that stall while sending
// headers, a body, or between requests: the server closes every one of them
// once its idle timeout has passed, instead of holding them open.
func TestSlowClientsAreCutOff(t *testing.T) {
	e := newEnv(t, nil)
	const idle = 400 * time.Millisecond
	addr := serveReal(t, rest.New(rest.Config{Herder: e.herder, IdleTimeout: idle}))

	partials := []string{
		"GET /connectors HTTP/1.1\r\nHost: x\r\n", // headers never finished
		"POST /connectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":", // body stalls
		"GET /connectors HTTP/1.1\r\nHost: x\r\n\r\n", // a whole request, then an idle keep-alive connection
	}
	const n = 200
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			if _, err := io.WriteString(c, partials[i%len(partials)]); err != nil {
				errs <- err
				return
			}
			// The client never sends more; it only waits for the server to
			// close. The test's own deadline is far above the idle timeout.
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				errs <- fmt.Errorf("connection %d (%q) still open after 10 s", i, partials[i%len(partials)])
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("closing %d stalled connections took %v with an idle timeout of %v", n, took, idle)
	}
}

// TestDefaultIdleTimeoutIsJettys: Connect keeps Jetty's 30 s.
func TestDefaultIdleTimeoutIsJettys(t *testing.T) {
	if rest.DefaultIdleTimeout != 30*time.Second {
		t.Fatalf("DefaultIdleTimeout = %v", rest.DefaultIdleTimeout)
	}
}

// TestBodyOverLimitIs413: a body over the limit is refused with Connect's
// error body, not cut and reported as a JSON error.
func TestBodyOverLimitIs413(t *testing.T) {
	e := newEnv(t, nil)
	big := `{"name":"x","config":{"k":"` + strings.Repeat("a", 9<<20) + `"}}`
	e.expect(http.MethodPost, "/connectors", big, http.StatusRequestEntityTooLarge,
		`{"error_code":413,"message":"HTTP 413 Request Entity Too Large"}`)
	e.expect(http.MethodPut, "/connectors/x/config", `{"k":"`+strings.Repeat("a", 9<<20)+`"}`, http.StatusRequestEntityTooLarge,
		`{"error_code":413,"message":"HTTP 413 Request Entity Too Large"}`)
	// A body just under the limit is read whole (and refused for its content).
	r := e.do(http.MethodPost, "/connectors", `{"name":"x","config":{"k":"`+strings.Repeat("a", 7<<20)+`"}}`)
	if r.code != http.StatusBadRequest || strings.Contains(r.body, "EOF") {
		t.Fatalf("7 MiB body: %d %s", r.code, r.body)
	}
}

// deleteRacer is a herder whose Create is immediately followed by a DELETE
// from "another client", before the REST layer builds its answer.
type deleteRacer struct {
	rest.Herder
}

func (d deleteRacer) Create(ctx context.Context, name string, props map[string]string, state string) error {
	if err := d.Herder.Create(ctx, name, props, state); err != nil {
		return err
	}
	return d.Herder.Delete(ctx, name)
}

func (d deleteRacer) PutConfig(ctx context.Context, name string, props map[string]string) (bool, error) {
	created, err := d.Herder.PutConfig(ctx, name, props)
	if err != nil {
		return created, err
	}
	return created, d.Herder.Delete(ctx, name)
}

// TestCreateAnswersFromTheWrite: a successful POST /connectors answers
// 201 with the config written even when a concurrent DELETE removed the
// connector before the answer was built.
func TestCreateAnswersFromTheWrite(t *testing.T) {
	e := newEnv(t, nil)
	hs := serveReal(t, rest.New(rest.Config{Herder: deleteRacer{e.herder}}))
	body := `{"name":"raced","config":{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","file":"/dev/null","topic":"t"}}`
	resp, err := http.Post("http://"+hs+"/connectors", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want := `{"name":"raced","config":{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","file":"/dev/null","topic":"t","name":"raced"},"tasks":[],"type":"source"}`
	if resp.StatusCode != http.StatusCreated || string(b) != want {
		t.Fatalf("POST = %d %s\nwant 201 %s", resp.StatusCode, b, want)
	}
	if resp.ContentLength != int64(len(want)) {
		t.Fatalf("Content-Length %d: a small answer must stay unchunked", resp.ContentLength)
	}
	if loc := resp.Header.Get("Location"); loc != "http://"+hs+"/connectors/raced" {
		t.Fatalf("Location = %q", loc)
	}
	// The same for PUT …/config creating a connector.
	req, _ := http.NewRequest(http.MethodPut, "http://"+hs+"/connectors/raced2/config",
		strings.NewReader(`{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","file":"/dev/null","topic":"t"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, _ := bufio.NewReader(resp.Body).ReadString('\n')
	if resp.StatusCode != http.StatusCreated || !strings.HasPrefix(line, `{"name":"raced2","config":{`) {
		t.Fatalf("PUT = %d %s", resp.StatusCode, line)
	}
}

// TestStalledReaderIsCutOff: a client that asks for a large answer and
// stops reading loses its connection once the idle timeout has passed,
// instead of holding the server's writer.
func TestStalledReaderIsCutOff(t *testing.T) {
	e := newEnv(t, nil)
	pad := strings.Repeat("x", 7<<20)
	e.expect(http.MethodPost, "/connectors", `{"name":"big","config":{"connector.class":"org.apache.kafka.connect.file.FileStreamSourceConnector","file":"/dev/null","topic":"t","pad":"`+pad+`"}}`, http.StatusCreated, "")
	const idle = 300 * time.Millisecond
	addr := serveReal(t, rest.New(rest.Config{Herder: e.herder, IdleTimeout: idle}))
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			// A tiny receive window: the server's writes block once its
			// send buffer is full.
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /connectors/big/config HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(6 * idle) // the client reads nothing for a while (the behaviour under test, not a synchronisation)
	_ = c.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := io.Copy(io.Discard, c)
	if err != nil {
		t.Fatalf("reading: %v after %d bytes", err, n)
	}
	if n >= int64(len(pad)) {
		t.Fatalf("the whole %d-byte answer arrived: the server waited for the stalled reader", n)
	}
}
