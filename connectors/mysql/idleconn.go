package mysql

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"time"
)

// idleDialer dials binlog connections that fail a read after idle without
// data, as go-mysql's ReadTimeout does, but move their read deadline at
// most once a second: go-mysql sets it twice per packet, a timer update
// that cost ~6% of the CPU of streaming single-row transactions.
// beforeRead, when not nil, is called before every read: the events of the
// data read before have all been handled by then.
func idleDialer(idle time.Duration, beforeRead func()) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &idleConn{Conn: c, idle: idle, coalesce: readCoalesce, coalesceBusy: readCoalesceBusy, beforeRead: beforeRead, raw: rawConn(c)}, nil
	}
}

// readCoalesce and readCoalesceBusy are how long a read waits after one
// that drained the socket. Live single-row transactions arrive as five
// small events each; read as they come, every event cost a read, a
// wake-up of the reader and one of the connector (a third of the CPU of
// such a stream). Waiting lets the events written meanwhile come in with
// one read, for at most this much latency (a lingering poll returns once
// the read is handled); an idle stream is not delayed (the wait happens
// before the read that then blocks), nor is a catch-up (its reads fill
// the buffer). Each wait is a wake-up of the reader, the poll and the
// producer: 100k single-row transactions by 8 connections took 2.5 s of
// CPU with 1 ms waits, 1.6 s with 5 ms, 1.3 s with 10 ms; 20 ms took
// ~10% less than 10 ms (alternating runs of one session). A busy stream
// (at least busyBytesPerMs read per millisecond waited, ~1800 such
// transactions a second) waits readCoalesceBusy; a quieter one, whose
// wake-ups cost little in all, waits readCoalesce and keeps its latency.
const (
	readCoalesce     = 2 * time.Millisecond
	readCoalesceBusy = 20 * time.Millisecond
	busyBytesPerMs   = 512
	// waitLowat is the socket's receive low-water mark during a wait:
	// the binlog's segments keep arriving, and each would wake the
	// runtime's network poller (an idle thread in epoll_wait) for a
	// reader that sleeps anyway.
	waitLowat = 64 << 10
)

// idleConn is read by one goroutine (the binlog reader).
type idleConn struct {
	net.Conn
	idle time.Duration
	set  time.Time // when the deadline was last moved
	// coalesce and coalesceBusy are the waits after a read that drained
	// the socket (none when zero).
	coalesce, coalesceBusy time.Duration
	drained                bool          // the last read returned less than asked
	wait                   time.Duration // the wait before the next read
	// beforeRead tells the task that what was read has been handled
	// (Task.readsHandled), so a poll need not linger for more.
	beforeRead func()
	// raw is the TCP socket whose low-water mark is raised during waits
	// (nil: not a TCP connection, or the option failed once).
	raw syscall.RawConn
}

func (c *idleConn) Read(p []byte) (int, error) {
	if c.beforeRead != nil {
		c.beforeRead()
	}
	waited := time.Duration(0)
	if c.drained && c.wait > 0 {
		raised := c.raw != nil && setRcvLowat(c.raw, waitLowat) == nil
		time.Sleep(c.wait)
		waited = c.wait
		if raised {
			// Back to one byte before reading: an idle stream's next
			// event must wake the read.
			if err := setRcvLowat(c.raw, 1); err != nil {
				return 0, fmt.Errorf("resetting the binlog socket's receive low-water mark: %w", err)
			}
		} else {
			c.raw = nil
		}
	}
	if now := time.Now(); now.Sub(c.set) >= time.Second {
		if err := c.Conn.SetReadDeadline(now.Add(c.idle)); err != nil {
			return 0, err
		}
		c.set = now
	}
	n, err := c.Conn.Read(p)
	c.drained = n < len(p)
	if c.drained {
		c.wait = c.nextWait(n, waited)
	}
	return n, err
}

// nextWait is the wait after a read of n bytes that drained the socket
// and followed a wait of waited (none after a catch-up's full reads,
// then judged as after the short wait).
func (c *idleConn) nextWait(n int, waited time.Duration) time.Duration {
	if waited == 0 {
		waited = c.coalesce
	}
	if c.coalesceBusy > 0 && int64(n) >= busyBytesPerMs*max(waited.Milliseconds(), 1) {
		return c.coalesceBusy
	}
	return c.coalesce
}
