//go:build !linux

package mysql

import (
	"errors"
	"net"
	"syscall"
)

func rawConn(net.Conn) syscall.RawConn { return nil }

func setRcvLowat(syscall.RawConn, int) error { return errors.ErrUnsupported }
