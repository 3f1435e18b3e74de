package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

const shutdownTimeout = 5 * time.Second

// standin is the whole server: the kubelet API, the pods it knows and the
// processes it runs for them.
type standin struct {
	opts   *options
	client kubernetes.Interface

	// ctx is cancelled when the stand-in stops; every request, process and
	// connection derives from it.
	ctx    context.Context
	cancel context.CancelFunc

	mu   sync.Mutex
	pods map[string]*podState // "namespace/name"

	conns *connSet // every accepted or dialled connection, closed on shutdown
	procs *procSet // every process group started, killed on shutdown
}

func newStandin(opts *options) (*standin, error) {
	config, err := clientcmd.BuildConfigFromFlags("", opts.kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("reading --kubeconfig: %w", err)
	}
	config.Timeout = 30 * time.Second
	config.UserAgent = "kubeset-kubelet/" + version
	client, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.rootDir, 0o700); err != nil {
		return nil, err
	}
	return &standin{
		opts:   opts,
		client: client,
		pods:   map[string]*podState{},
		conns:  newConnSet(),
		procs:  newProcSet(),
	}, nil
}

func (s *standin) tlsConfig() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(s.opts.tlsCertFile, s.opts.tlsKeyFile)
	if err != nil {
		return nil, fmt.Errorf("loading the serving certificate: %w", err)
	}
	caPEM, err := os.ReadFile(s.opts.clientCAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("--client-ca-file %s holds no PEM certificate", s.opts.clientCAFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		ClientCAs:    pool,
		// Like a kubelet: every client (kube-apiserver) must present a
		// certificate from the client CA.
		ClientAuth: tls.RequireAndVerifyClientCert,
		MinVersion: tls.VersionTLS12,
		// HTTP/1.1 only: exec, attach and port-forward upgrade the connection.
		NextProtos: []string{"http/1.1"},
	}, nil
}

func (s *standin) run(parent context.Context) error {
	s.ctx, s.cancel = context.WithCancel(context.Background())
	defer s.cancel()
	enableSubreaper()

	tlsConfig, err := s.tlsConfig()
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(s.opts.address, strconv.Itoa(s.opts.port))
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	listener := tls.NewListener(&trackingListener{Listener: raw, conns: s.conns}, tlsConfig)
	server := &http.Server{
		Handler:           s.routes(),
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
		ConnContext:       connContext,
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		ErrorLog:          nil,
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(listener) }()
	klog.InfoS("kubelet stand-in serving", "address", addr, "node", s.opts.nodeName)

	var egress net.Listener
	if s.opts.egressUDS != "" {
		egress, err = s.serveEgress(s.opts.egressUDS)
		if err != nil {
			s.shutdown(server)
			return err
		}
	}

	err = s.registerNode(parent)
	if err == nil {
		go s.keepNode()
		err = s.watchPods()
	}
	if err == nil {
		select {
		case <-parent.Done():
		case err = <-serveErr:
		}
	}
	if egress != nil {
		_ = egress.Close()
	}
	s.shutdown(server)
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// shutdown stops serving, closes every connection (hijacked ones too, which
// http.Server.Shutdown leaves alone), then terminates every process. Bounded
// by shutdownTimeout plus twice --kill-grace.
func (s *standin) shutdown(server *http.Server) {
	klog.InfoS("kubelet stand-in stopping")
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	go func() { _ = server.Shutdown(ctx) }()
	s.conns.closeAll()
	s.procs.killAll(s.opts.killGrace)
	killOrphans(s.opts.killGrace)
	_ = server.Close()
}

// ---------------------------------------------------------------- connections

// connSet tracks connections so that shutdown can close them all.
type connSet struct {
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func newConnSet() *connSet { return &connSet{conns: map[net.Conn]struct{}{}} }

// add tracks c; false (and c closed) once closeAll has run.
func (cs *connSet) add(c net.Conn) bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.closed {
		_ = c.Close()
		return false
	}
	cs.conns[c] = struct{}{}
	return true
}

func (cs *connSet) remove(c net.Conn) {
	cs.mu.Lock()
	delete(cs.conns, c)
	cs.mu.Unlock()
}

func (cs *connSet) closeAll() {
	cs.mu.Lock()
	cs.closed = true
	conns := cs.conns
	cs.conns = map[net.Conn]struct{}{}
	cs.mu.Unlock()
	for c := range conns {
		_ = c.Close()
	}
}

// trackingListener wraps accepted connections in notifyConn.
type trackingListener struct {
	net.Listener
	conns *connSet
}

func (l *trackingListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		nc := &notifyConn{Conn: c, set: l.conns, done: make(chan struct{})}
		if l.conns.add(nc) {
			return nc, nil
		}
	}
}

// notifyConn is a client connection that notices when it ends: a read error
// other than a deadline (the client went away) or Close. Every request on it
// gets a context that is cancelled then (see connContext), also after the
// connection was hijacked for exec, attach or port-forward, where net/http no
// longer watches it: an exec whose client disappears is killed.
type notifyConn struct {
	net.Conn
	set  *connSet
	once sync.Once
	done chan struct{}
}

func (c *notifyConn) end() {
	c.once.Do(func() {
		close(c.done)
		c.set.remove(c)
	})
}

func (c *notifyConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			c.end()
		}
	}
	return n, err
}

func (c *notifyConn) Close() error {
	c.end()
	return c.Conn.Close()
}

func connContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	nc, ok := c.(*notifyConn)
	if !ok {
		return ctx
	}
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-nc.done:
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx
}
