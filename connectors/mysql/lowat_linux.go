package mysql

import (
	"net"
	"syscall"
)

// rawConn is the socket of a TCP connection, for setRcvLowat (nil for
// others).
func rawConn(c net.Conn) syscall.RawConn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return nil
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

// setRcvLowat sets the socket's SO_RCVLOWAT: Linux wakes a poller of the
// socket only once that many bytes are in, instead of at every segment.
func setRcvLowat(rc syscall.RawConn, n int) error {
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVLOWAT, n)
	}); err != nil {
		return err
	}
	return serr
}
