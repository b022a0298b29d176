package mysql

import (
	"context"
	"net"
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
		return &idleConn{Conn: c, idle: idle, coalesce: readCoalesce, beforeRead: beforeRead}, nil
	}
}

// readCoalesce is how long a read waits after one that drained the
// socket. Live single-row transactions arrive as five small events each;
// read as they come, every event cost a read, a wake-up of the reader and
// one of the connector (a third of the CPU of such a stream). Waiting
// lets the events written meanwhile come in with one read, for at most
// this much latency; an idle stream is not delayed (the wait happens
// before the read that then blocks), nor is a catch-up (its reads fill
// the buffer).
const readCoalesce = 5 * time.Millisecond

// idleConn is read by one goroutine (the binlog reader).
type idleConn struct {
	net.Conn
	idle     time.Duration
	set      time.Time // when the deadline was last moved
	coalesce time.Duration
	drained  bool // the last read returned less than asked
	// beforeRead tells the task that what was read has been handled
	// (Task.readsHandled), so a poll need not linger for more.
	beforeRead func()
}

func (c *idleConn) Read(p []byte) (int, error) {
	if c.beforeRead != nil {
		c.beforeRead()
	}
	if c.drained && c.coalesce > 0 {
		time.Sleep(c.coalesce)
	}
	if now := time.Now(); now.Sub(c.set) >= time.Second {
		if err := c.Conn.SetReadDeadline(now.Add(c.idle)); err != nil {
			return 0, err
		}
		c.set = now
	}
	n, err := c.Conn.Read(p)
	c.drained = n < len(p)
	return n, err
}
