package proxy

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults for Config.
const (
	DefaultListen   = "127.0.0.1:8799"
	DefaultUpstream = "https://chatgpt.com/backend-api"
	DefaultMaxBody  = 32 << 20
)

// Default holdback bounds: how long the first stream events are kept from
// the client so that an error arriving inside an HTTP 200 stream can still
// fail over invisibly.
const (
	DefaultHoldEvents = 32
	DefaultHoldBytes  = 64 << 10
	DefaultHoldWait   = 2 * time.Second
)

// Defaults for the proxy's timeouts.
const (
	DefaultBodyTimeout  = 30 * time.Second
	DefaultUpstreamIdle = 2 * time.Minute
	headerTimeout       = 10 * time.Second // for a client to send its request headers
)

// Back-off after a Blocked answer: the default, and the cap on a
// Retry-After that asks for more.
const (
	DefaultBlockedBackoff = time.Minute
	maxBlockedBackoff     = 15 * time.Minute
)

// shutdownGrace is how long ListenAndServe lets running requests finish.
const shutdownGrace = 5 * time.Second

// Config configures a Server.
type Config struct {
	Listen    string            // host:port on a loopback address; DefaultListen when empty
	Key       string            // the proxy key clients must present; required
	Upstream  string            // ChatGPT backend base, e.g. https://chatgpt.com/backend-api
	Picker    Picker            // chooses accounts; required
	Logger    *slog.Logger      // nil discards
	MaxBody   int64             // largest request body; DefaultMaxBody when 0
	Transport http.RoundTripper // upstream transport; a tuned http.Transport when nil
	Models    []Model           // served by /v1/models while the backend's list cannot be had; BuiltinModels when empty
	Holdback  Holdback          // zero fields take the defaults

	// Blocked judges a 401/403 answer (status, headers, at most 1 MiB of
	// body): true means the refusal is not about the account's token (a
	// CDN challenge, a block, a 403 without a token error), so the proxy
	// spends no refresh on it, fails over and reports Blocked. The app sets
	// it to codex.ClassifyRefusal(...) == codex.Blocked. nil treats every
	// 401/403 as a token refusal.
	Blocked func(status int, header http.Header, body []byte) bool
	// BodyTimeout bounds the time a client may take to send its request
	// body; DefaultBodyTimeout when 0. (Headers get 10 s.)
	BodyTimeout time.Duration
	// UpstreamIdle is how long the upstream may send nothing, while the
	// proxy waits for its headers or for the next bytes of its answer;
	// DefaultUpstreamIdle when 0. A stall before anything reached the
	// client fails over like any other error; after that, the client's
	// stream ends with an error event.
	UpstreamIdle time.Duration
	// ModelMap returns the user's model map (a client's model name → the
	// model sent upstream). It is called for each /v1 request, so a changed
	// map applies without a restart; nil means no map.
	ModelMap func() map[string]string
	// ModelsTTL is how long the backend's model list is used before it is
	// fetched again in the background; DefaultModelsTTL when 0.
	ModelsTTL time.Duration
	// ClientVersion is the client_version the backend's models endpoint is
	// asked with; DefaultClientVersion when empty.
	ClientVersion string
	// BlockedBackoff is how long a Blocked account rests when the answer
	// carries no Retry-After; DefaultBlockedBackoff when 0.
	BlockedBackoff time.Duration
}

// Holdback bounds how much of a stream is held back before it is committed
// to the client: whichever of the bounds is reached first (or the first
// output delta) releases it.
type Holdback struct {
	Events int
	Bytes  int
	Wait   time.Duration
}

// ErrNotLoopback is returned by New for a listen address that is not on a
// loopback interface.
var ErrNotLoopback = errors.New("the proxy listens on loopback addresses only")

// Server is the rotating proxy. Create it with New.
type Server struct {
	cfg       Config
	base      string // upstream base URL without a trailing slash
	keyHash   [sha256.Size]byte
	log       *slog.Logger
	transport http.RoundTripper
	turns     *turnStore
	stats     *stats
	handler   http.Handler
	started   time.Time
	catalog   *modelCatalog // the backend's model list, cached
	mapNotes  modelMapNotes // when each model mapping was last logged

	mu   sync.Mutex // guards addr
	addr string
}

// New checks cfg and builds a Server. It refuses non-loopback listen
// addresses.
func New(cfg Config) (*Server, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	listen, err := loopbackListen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	cfg.Listen = listen
	if cfg.Key == "" {
		return nil, errors.New("proxy key is empty")
	}
	if cfg.Picker == nil {
		return nil, errors.New("proxy needs a Picker")
	}
	if cfg.Upstream == "" {
		cfg.Upstream = DefaultUpstream
	}
	u, err := url.Parse(cfg.Upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %q is not an http(s) URL", cfg.Upstream)
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if len(cfg.Models) == 0 {
		cfg.Models = BuiltinModels()
	}
	if cfg.ModelsTTL <= 0 {
		cfg.ModelsTTL = DefaultModelsTTL
	}
	if cfg.ClientVersion == "" {
		cfg.ClientVersion = DefaultClientVersion
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = DefaultBodyTimeout
	}
	if cfg.UpstreamIdle <= 0 {
		cfg.UpstreamIdle = DefaultUpstreamIdle
	}
	if cfg.BlockedBackoff <= 0 {
		cfg.BlockedBackoff = DefaultBlockedBackoff
	}
	if cfg.Holdback.Events <= 0 {
		cfg.Holdback.Events = DefaultHoldEvents
	}
	if cfg.Holdback.Bytes <= 0 {
		cfg.Holdback.Bytes = DefaultHoldBytes
	}
	if cfg.Holdback.Wait <= 0 {
		cfg.Holdback.Wait = DefaultHoldWait
	}
	s := &Server{
		cfg:       cfg,
		base:      strings.TrimSuffix(u.String(), "/"),
		keyHash:   sha256.Sum256([]byte(cfg.Key)),
		log:       cfg.Logger,
		transport: cfg.Transport,
		turns:     newTurnStore(turnStateCapacity, turnStateTTL),
		stats:     newStats(),
		started:   time.Now(),
		addr:      listen,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.transport == nil {
		s.transport = NewTransport()
	}
	s.catalog = &modelCatalog{
		fetch: s.fetchModels, builtin: cfg.Models, ttl: cfg.ModelsTTL, retry: modelsRetry,
		now: time.Now, log: s.log,
	}
	s.handler = s.guard(s.routes())
	return s, nil
}

// NewTransport returns the upstream transport the proxy uses by default:
// environment proxies honoured, idle connections kept 2 minutes, up to 32 per
// host, and a bounded wait for response headers.
func NewTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          128,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       2 * time.Minute,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 2 * time.Minute,
		ExpectContinueTimeout: time.Second,
	}
}

// Handler returns the proxy's HTTP handler, guards included.
func (s *Server) Handler() http.Handler { return s.handler }

// Addr returns the address the server listens on: the bound one once
// ListenAndServe is running (useful with port 0), the configured one before.
func (s *Server) Addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// CloseIdleConnections closes idle upstream connections.
func (s *Server) CloseIdleConnections() {
	if c, ok := s.transport.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// ListenAndServe listens on the configured loopback address and serves until
// ctx ends, then shuts down gracefully (running requests get a few seconds
// before they are cut). It returns nil after a shutdown caused by ctx.
func (s *Server) ListenAndServe(ctx context.Context) error {
	ln, err := s.Listen(ctx)
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// Listen binds the configured loopback address, so that a caller can tell
// a taken port before it announces the proxy; Serve then serves on it.
func (s *Server) Listen(ctx context.Context) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listening on %s: %w", s.cfg.Listen, err)
	}
	if ta, ok := ln.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		ln.Close()
		return nil, fmt.Errorf("bound %s: %w", ln.Addr(), ErrNotLoopback)
	}
	return ln, nil
}

// Serve serves on ln (from Listen) until ctx ends, as ListenAndServe does.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.mu.Lock()
	s.addr = ln.Addr().String()
	s.mu.Unlock()

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: headerTimeout,
		// A backstop for bodies no handler reads (refused requests): the
		// routes bound their own body reads (readBody, 408). net/http lifts
		// the read deadline once a body is consumed, so a long answer
		// streamed back is not cut; no WriteTimeout for the same reason.
		ReadTimeout: headerTimeout + s.cfg.BodyTimeout,
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("proxy listening", "addr", s.Addr(), "upstream", s.base)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		s.CloseIdleConnections()
		return fmt.Errorf("serving proxy: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-done
	s.CloseIdleConnections()
	if d, ok := s.cfg.Picker.(Drainer); ok {
		d.Drain()
	}
	s.log.Info("proxy stopped", "addr", s.Addr())
	return nil
}

// loopbackListen checks that addr names a loopback host and returns it with
// "localhost" spelled as 127.0.0.1.
func loopbackListen(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return "", fmt.Errorf("listen address %q: %w", addr, ErrNotLoopback)
	}
	return net.JoinHostPort(host, port), nil
}
