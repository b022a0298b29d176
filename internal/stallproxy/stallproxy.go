// Package stallproxy is a TCP proxy for tests that can hold the server's
// answers: a request passes and is executed, its answer waits, so a
// client's call stays in flight for as long as a test needs.
package stallproxy

import (
	"io"
	"net"
	"sync"
	"testing"
)

// Proxy forwards every connection to one server address.
type Proxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	stalled bool
	open    chan struct{} // closed while answers flow
}

// Start listens on a free local port; the proxy closes with the test.
func Start(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, open: make(chan struct{})}
	close(p.open)
	t.Cleanup(func() {
		p.Release()
		_ = ln.Close()
	})
	go p.accept()
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		go func() {
			_, _ = io.Copy(s, c)
			_ = s.Close()
		}()
		go p.answers(c, s)
	}
}

// answers copies the server's bytes to the client, waiting while stalled.
func (p *Proxy) answers(c, s net.Conn) {
	defer c.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			p.mu.Lock()
			open := p.open
			p.mu.Unlock()
			<-open
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Stall holds the server's answers from now on.
func (p *Proxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stalled {
		p.stalled, p.open = true, make(chan struct{})
	}
}

// Release lets held and further answers through.
func (p *Proxy) Release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stalled {
		p.stalled = false
		close(p.open)
	}
}
