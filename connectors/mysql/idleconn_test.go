package mysql

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestIdleConn: data within the idle time is read; a read that waits
// longer fails with a deadline error, as go-mysql's ReadTimeout did.
func TestIdleConn(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := &idleConn{Conn: a, idle: 100 * time.Millisecond}
	go func() { _, _ = b.Write([]byte("x")) }()
	buf := make([]byte, 1)
	if n, err := c.Read(buf); n != 1 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	start := time.Now()
	_, err := c.Read(buf)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("idle read: %v, want a deadline error", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("idle read failed after %s", waited)
	}
}

// TestIdleConnCoalesces: after a read that drained the socket, the next
// one waits first, so that data written meanwhile in several writes comes
// in with one read.
func TestIdleConnCoalesces(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	readFirst := make(chan struct{})
	go func() {
		s, err := l.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		_, _ = s.Write([]byte("a"))
		<-readFirst
		_, _ = s.Write([]byte("b"))
		_, _ = s.Write([]byte("c"))
		<-readFirst
		// After the reader's wait, while its read is parked.
		time.Sleep(700 * time.Millisecond)
		_, _ = s.Write([]byte("d"))
		<-readFirst // held open until the test is done
	}()
	raw, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c := &idleConn{Conn: raw, idle: 10 * time.Second, coalesce: 300 * time.Millisecond, raw: rawConn(raw)}
	defer c.Close()
	defer close(readFirst)
	buf := make([]byte, 16)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "a" {
		t.Fatalf("first read %q %v", buf[:n], err)
	}
	readFirst <- struct{}{}
	start := time.Now()
	n, err := c.Read(buf)
	if err != nil || string(buf[:n]) != "bc" {
		t.Fatalf("second read %q %v, want both writes in one read", buf[:n], err)
	}
	if waited := time.Since(start); waited < 300*time.Millisecond {
		t.Fatalf("second read returned after %s, before the coalescing wait", waited)
	}
	// The low-water mark raised during the wait is back at one byte: a
	// single byte written after it wakes the parked read (the idle
	// deadline, 10 s, would end it otherwise).
	if c.raw == nil {
		t.Fatal("no socket to raise the low-water mark of")
	}
	readFirst <- struct{}{}
	start = time.Now()
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "d" {
		t.Fatalf("third read %q %v", buf[:n], err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Fatalf("a byte after the wait was read after %s", waited)
	}
}

// TestIdleConnBusyWait: a read that brought at least busyBytesPerMs per
// millisecond waited makes the next wait the busy one; less, the short one.
func TestIdleConnBusyWait(t *testing.T) {
	c := &idleConn{coalesce: 2 * time.Millisecond, coalesceBusy: 10 * time.Millisecond}
	for _, tc := range []struct {
		n      int
		waited time.Duration
		want   time.Duration
	}{
		{300, 2 * time.Millisecond, 2 * time.Millisecond},                   // one transaction in 2 ms
		{2 * busyBytesPerMs, 2 * time.Millisecond, 10 * time.Millisecond},   // busy at the short wait
		{10 * busyBytesPerMs, 10 * time.Millisecond, 10 * time.Millisecond}, // still busy at the long one
		{4 * busyBytesPerMs, 10 * time.Millisecond, 2 * time.Millisecond},   // slowed down
		{4096, 0, 10 * time.Millisecond},                                    // the end of a catch-up
		{100, 0, 2 * time.Millisecond},
	} {
		if got := c.nextWait(tc.n, tc.waited); got != tc.want {
			t.Errorf("nextWait(%d, %s) = %s, want %s", tc.n, tc.waited, got, tc.want)
		}
	}
	if got := (&idleConn{coalesce: time.Millisecond}).nextWait(1<<20, time.Millisecond); got != time.Millisecond {
		t.Errorf("without a busy wait: %s", got)
	}
}
