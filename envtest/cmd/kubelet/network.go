package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/klog/v2"
)

const dialTimeout = 5 * time.Second

// splice copies between a and b until either side ends, then closes both.
func splice(a, b io.ReadWriteCloser) {
	var once sync.Once
	closeBoth := func() { once.Do(func() { _ = a.Close(); _ = b.Close() }) }
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(a, b); closeBoth(); done <- struct{}{} }()
	go func() { _, _ = io.Copy(b, a); closeBoth(); done <- struct{}{} }()
	<-done
	<-done
}

// forwarder connects port-forward streams to 127.0.0.1:<port> on the host.
type forwarder struct{ s *standin }

var _ portforward.PortForwarder = (*forwarder)(nil)

// PortForward copies between the stream and a new TCP connection to
// 127.0.0.1:port. It returns when the target closes its side, or when the
// stream ends (the client closed it or went away; then the target
// connection is half-closed and the rest of its answer still copied).
func (f *forwarder) PortForward(ctx context.Context, _ string, _ string, port int32, stream io.ReadWriteCloser) error {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(f.s.ctx, dialTimeout)
	defer cancel()
	conn, err := d.DialContext(dctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		return err
	}
	if !f.s.conns.add(conn) {
		return fmt.Errorf("kubelet stand-in is stopping")
	}
	defer func() {
		_ = conn.Close()
		f.s.conns.remove(conn)
	}()
	go func() {
		_, _ = io.Copy(conn, stream)
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, err = io.Copy(stream, conn)
	return err
}

// serveEgress serves an HTTP CONNECT proxy on a unix socket for
// kube-apiserver's "cluster" egress (--egress-selector-config-file), the way
// konnectivity does for real clusters. kube-apiserver refuses to proxy
// nodes/proxy to a loopback node address, so the node's InternalIP can be a
// non-loopback address that this proxy maps to 127.0.0.1: a CONNECT to
// <node-ip>:<port> connects to 127.0.0.1:<port>. Any other target is dialled
// as asked, so webhooks and aggregated API servers keep working.
func (s *standin) serveEgress(path string) (net.Listener, error) {
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	_ = os.Chmod(path, 0o600)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.egressConn(c)
		}
	}()
	return l, nil
}

func (s *standin) egressConn(c net.Conn) {
	if !s.conns.add(c) {
		return
	}
	defer s.conns.remove(c)
	_ = c.SetDeadline(time.Now().Add(dialTimeout * 2))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		_ = c.Close()
		return
	}
	reply := func(status string) { _, _ = fmt.Fprintf(c, "HTTP/1.1 %s\r\n\r\n", status) }
	if req.Method != http.MethodConnect {
		reply("405 Method Not Allowed")
		_ = c.Close()
		return
	}
	host, port, err := net.SplitHostPort(req.Host)
	if err != nil {
		reply("400 Bad Request")
		_ = c.Close()
		return
	}
	if host == s.opts.nodeIP || host == s.opts.nodeName {
		host = "127.0.0.1"
	}
	var d net.Dialer
	dctx, cancel := context.WithTimeout(s.ctx, dialTimeout)
	upstream, err := d.DialContext(dctx, "tcp", net.JoinHostPort(host, port))
	cancel()
	if err != nil {
		klog.V(2).InfoS("egress dial failed", "target", req.Host, "err", err)
		reply("502 Bad Gateway")
		_ = c.Close()
		return
	}
	if !s.conns.add(upstream) {
		_ = c.Close()
		return
	}
	defer s.conns.remove(upstream)
	reply("200 Connection established")
	_ = c.SetDeadline(time.Time{})
	splice(&bufferedConn{Conn: c, r: br}, upstream)
}

// bufferedConn reads what the bufio.Reader already holds first.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }
