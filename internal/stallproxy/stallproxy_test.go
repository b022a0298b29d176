package stallproxy

import (
	"bufio"
	"net"
	"testing"
	"time"
)

// TestStallHoldsAnswers: a line sent while stalled reaches the echo
// server, and its answer arrives only after Release.
func TestStallHoldsAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		got <- line
		_, _ = c.Write([]byte(line))
	}()
	p := Start(t, ln.Addr().String())
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p.Stall()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case l := <-got:
		if l != "ping\n" {
			t.Fatalf("server read %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the request did not reach the server")
	}
	answer := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(c).ReadString('\n')
		answer <- l
	}()
	select {
	case l := <-answer:
		t.Fatalf("answer %q passed a stalled proxy", l)
	case <-time.After(200 * time.Millisecond): // proving absence: nothing to poll for
	}
	p.Release()
	select {
	case l := <-answer:
		if l != "ping\n" {
			t.Fatalf("answer %q", l)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no answer after Release")
	}
}
