package esdbtest

import (
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	api "github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc"
	"google.golang.org/grpc/keepalive"
)

// DefaultMaxAppendSize is KurrentDB's default maximum append size (1 MiB).
const DefaultMaxAppendSize = 1 << 20

// ServerVersion is the version the server reports through ServerFeatures.
const ServerVersion = "24.10.0"

// Config configures a Server. The zero value is a server with the real
// defaults.
type Config struct {
	// Addr is the TCP address to listen on. Default "127.0.0.1:0" (a free
	// loopback port).
	Addr string
	// MaxAppendSize is the largest append in bytes (sum of the events' data
	// and custom metadata). Default DefaultMaxAppendSize.
	MaxAppendSize int
	// StatsInterval, when positive, makes the server write a $statsCollected
	// event to its $stats stream at that interval, as the real server does.
	// Default 0: stats are written only by WriteStats.
	StatsInterval time.Duration
	// Now is the clock for the events' created timestamps. Default time.Now.
	Now func() time.Time
}

// Server is an in-process KurrentDB test server. Its methods are safe for
// concurrent use.
type Server struct {
	cfg  Config
	addr string
	log  *memLog

	failNextAppend atomic.Bool
	lis            atomic.Pointer[trackingListener] // nil while stopped

	mu      sync.Mutex // guards the fields below
	grpc    *grpc.Server
	serving sync.WaitGroup
	closed  bool

	statsDone chan struct{}
	statsWG   sync.WaitGroup
}

// ErrClosed is returned by Restart after Close.
var ErrClosed = errors.New("esdbtest: server is closed")

// Start starts a server listening on cfg.Addr and writes the system events a
// fresh server has in $all.
func Start(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.MaxAppendSize == 0 {
		cfg.MaxAppendSize = DefaultMaxAppendSize
	}
	if cfg.MaxAppendSize < 0 {
		return nil, fmt.Errorf("esdbtest: negative MaxAppendSize %d", cfg.MaxAppendSize)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lis, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("esdbtest: listen: %w", err)
	}
	s := &Server{cfg: cfg, addr: lis.Addr().String(), log: newMemLog(), statsDone: make(chan struct{})}
	s.writeStartupEvents()
	s.serve(lis)
	if cfg.StatsInterval > 0 {
		s.statsWG.Add(1)
		go s.statsLoop()
	}
	return s, nil
}

// New starts a server with the default Config and closes it when the test
// ends.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Addr is the server's host:port. It does not change across Restart.
func (s *Server) Addr() string { return s.addr }

// URL is the connection string for esdb.ParseConnectionString.
func (s *Server) URL() string { return "esdb://" + s.addr + "?tls=false" }

func (s *Server) serve(lis net.Listener) {
	// KurrentDB accepts the client's keepalive pings (every 10s by
	// default); gRPC's default policy would answer them with GOAWAY
	// "too_many_pings" and cut the connection.
	g := grpc.NewServer(grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: time.Second, PermitWithoutStream: true}))
	h := &streamsHandler{srv: s}
	api.RegisterStreamsServer(g, h)
	serverfeatures.RegisterServerFeaturesServer(g, featuresHandler{})
	tl := &trackingListener{Listener: lis, conns: make(map[string]net.Conn)}
	s.grpc = g
	s.lis.Store(tl)
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		_ = g.Serve(tl)
	}()
}

// Stop takes the server down: the listener is closed (new connections are
// refused) and every open connection and call is cut, so clients see
// Unavailable and subscriptions drop. The data is kept for Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked()
}

// Down is Stop, named for tests that take the server down before a client's
// first call to model a server that is not running: connections to Addr are
// refused. The port is released meanwhile, so Restart fails in the unlikely
// case that another process takes it.
func (s *Server) Down() { s.Stop() }

func (s *Server) stopLocked() {
	if s.grpc == nil {
		return
	}
	s.lis.Store(nil)
	s.grpc.Stop()
	s.serving.Wait()
	s.grpc = nil
}

// Restart brings a stopped server back on the same address with the same
// data. Restarting a running server stops it first.
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	s.stopLocked()
	lis, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("esdbtest: listen again on %s: %w", s.addr, err)
	}
	s.serve(lis)
	return nil
}

// Close stops the server for good.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.stopLocked()
	close(s.statsDone)
	s.mu.Unlock()
	s.statsWG.Wait()
}

// FailNextAppendAfterWrite makes the next Append call be processed as usual
// (written if its expected revision allows) and then its connection be cut
// before the response is sent: the client sees an Unavailable error without
// knowing whether the events were written.
func (s *Server) FailNextAppendAfterWrite() { s.failNextAppend.Store(true) }

// cutConn closes the connection a call arrived on.
func (s *Server) cutConn(remote string) bool {
	l := s.lis.Load()
	if l == nil {
		return false
	}
	return l.cut(remote)
}

// trackingListener remembers accepted connections by remote address so that
// one client's connection can be cut.
type trackingListener struct {
	net.Listener
	mu    sync.Mutex
	conns map[string]net.Conn
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	l.conns[c.RemoteAddr().String()] = c
	l.mu.Unlock()
	return c, nil
}

func (l *trackingListener) cut(remote string) bool {
	l.mu.Lock()
	c, ok := l.conns[remote]
	delete(l.conns, remote)
	l.mu.Unlock()
	if ok {
		_ = c.Close()
	}
	return ok
}
