package codex

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/oauth2"
)

// DefaultLoginTimeout is how long Login waits for the browser to come back.
const DefaultLoginTimeout = 5 * time.Minute

// callbackShutdownGrace is how long the callback server gets to finish
// sending the result page once the sign-in is over.
const callbackShutdownGrace = 2 * time.Second

// LoginOptions says how Login shows the sign-in page to the user.
type LoginOptions struct {
	// OpenURL opens the sign-in page, usually OpenBrowser. Nil: the URL is
	// only handed to PrintURL. An error from it is logged and the sign-in
	// goes on (the user can still use the printed URL).
	OpenURL func(url string) error
	// PrintURL shows the sign-in URL so the user can open it by hand.
	PrintURL func(url string)
	// Timeout ends a sign-in the browser never completes; default
	// DefaultLoginTimeout.
	Timeout time.Duration
	Logger  *slog.Logger // default: discard
}

// Login runs the browser sign-in the Codex CLI runs (OAuth 2 authorization
// code with PKCE S256 and a random state) and returns the new login.
//
// It listens on c.CallbackAddr (loopback only) for the browser's return at
// /auth/callback, shows the authorize URL through o, exchanges the code, and
// answers the browser with a small page naming the account (or the failure).
//
// Callbacks whose state is not this sign-in's are answered 400 and ignored:
// a stale tab or a stray request must not end a sign-in the user is still
// completing. Should the sign-in then time out, the error matches both
// ErrLoginTimeout and ErrStateMismatch. A callback with the right state ends
// the sign-in, whatever it carries: error=… gives ErrLoginDenied wrapping an
// *OAuthError with the provider's code (access_denied…).
//
// Cancelling ctx or the timeout ends it (ctx.Err() or ErrLoginTimeout); the
// listener is closed when Login returns. The port already taken gives
// ErrPortInUse. Errors and logs never carry the code, the verifier or a token.
func (c OAuthConfig) Login(ctx context.Context, o LoginOptions) (Login, error) {
	if o.OpenURL == nil && o.PrintURL == nil {
		return Login{}, errors.New("signing in: LoginOptions needs OpenURL or PrintURL")
	}
	if err := CheckUpstreamURL("auth issuer", c.issuer()); err != nil {
		return Login{}, fmt.Errorf("signing in: %w", err)
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultLoginTimeout
	}

	ln, redirectHost, err := listenCallback(c.callbackAddr())
	if err != nil {
		return Login{}, fmt.Errorf("signing in: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	redirectURL := "http://" + net.JoinHostPort(redirectHost, strconv.Itoa(port)) + CallbackPath
	conf := c.oauth2Config(redirectURL)
	verifier := oauth2.GenerateVerifier()
	state := rand.Text()
	authURL := conf.AuthCodeURL(state,
		oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("id_token_add_organizations", "true"),
		oauth2.SetAuthURLParam("codex_cli_simplified_flow", "true"),
	)

	loginCtx, cancel := context.WithTimeoutCause(ctx, timeout, ErrLoginTimeout)
	defer cancel()

	cb := &callbackHandler{
		ctx:      context.WithValue(loginCtx, oauth2.HTTPClient, c.httpClient()),
		conf:     conf,
		state:    state,
		verifier: verifier,
		log:      log,
		results:  make(chan loginResult, 1),
	}
	srv := &http.Server{
		Handler:           cb,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln) // ends with ErrServerClosed at shutdown
	}()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), callbackShutdownGrace)
		defer scancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		<-served
	}()

	log.Info("sign-in started", "callback", redirectURL)
	if o.PrintURL != nil {
		o.PrintURL(authURL)
	}
	if o.OpenURL != nil {
		if err := o.OpenURL(authURL); err != nil {
			if o.PrintURL == nil {
				return Login{}, fmt.Errorf("signing in: opening the sign-in page: %w", err)
			}
			log.Warn("could not open the browser; the sign-in URL was printed instead", "err", err)
		}
	}

	select {
	case r := <-cb.results:
		return r.login, r.err
	case <-loginCtx.Done():
	}
	select {
	case r := <-cb.results: // finished at the same moment: keep the outcome
		return r.login, r.err
	default:
	}
	if ctx.Err() != nil {
		log.Info("sign-in cancelled")
		return Login{}, fmt.Errorf("signing in: %w", ctx.Err())
	}
	log.Warn("sign-in timed out", "after", timeout)
	if cb.sawWrongState() {
		return Login{}, fmt.Errorf("signing in: %w (%w)", ErrLoginTimeout, ErrStateMismatch)
	}
	return Login{}, fmt.Errorf("signing in: %w", ErrLoginTimeout)
}

type loginResult struct {
	login Login
	err   error
}

// callbackHandler serves /auth/callback for one sign-in.
type callbackHandler struct {
	ctx      context.Context // the sign-in's; carries the HTTP client for the exchange
	conf     *oauth2.Config
	state    string
	verifier string
	log      *slog.Logger
	results  chan loginResult // capacity 1; only the claiming request sends

	mu         sync.Mutex // guards the fields below
	claimed    bool       // a callback with the right state arrived
	wrongState int        // callbacks ignored for a wrong state
}

func (h *callbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != CallbackPath {
		http.NotFound(w, r)
		return
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(h.state)) != 1 {
		h.mu.Lock()
		h.wrongState++
		h.mu.Unlock()
		h.log.Warn("ignored a sign-in callback whose state is not this sign-in's")
		writeLoginPage(w, http.StatusBadRequest, loginPage{
			Failed: true,
			Reason: "This sign-in link is not the one Quiver is waiting for (an old tab?). Finish the sign-in in the newest tab, or start again from Quiver.",
		})
		return
	}
	if !h.claim() {
		writeLoginPage(w, http.StatusConflict, loginPage{
			Failed: true,
			Reason: "This sign-in was already handled. You can close this tab.",
		})
		return
	}
	if code := q.Get("error"); code != "" {
		oe := &OAuthError{Code: sanitizeErrorCode(code), Description: truncateDescription(q.Get("error_description"))}
		h.log.Warn("sign-in denied by the provider", "code", oe.Code)
		writeLoginPage(w, http.StatusBadRequest, loginPage{Failed: true, Reason: "OpenAI did not sign you in: " + oe.Error() + "."})
		h.finish(Login{}, fmt.Errorf("signing in: %w: %w", ErrLoginDenied, oe))
		return
	}
	code := q.Get("code")
	if code == "" {
		writeLoginPage(w, http.StatusBadRequest, loginPage{Failed: true, Reason: "The sign-in came back without a code."})
		h.finish(Login{}, errors.New("signing in: the callback carried neither a code nor an error"))
		return
	}
	login, err := h.exchange(code)
	if err != nil {
		h.log.Warn("sign-in code exchange failed", "err", err)
		writeLoginPage(w, http.StatusBadGateway, loginPage{Failed: true, Reason: "Quiver could not complete the sign-in: " + err.Error() + "."})
		h.finish(Login{}, fmt.Errorf("signing in: %w", err))
		return
	}
	h.log.Info("signed in", "account", login.Identity().ChatGPTAccountID, "plan", login.IDClaims.PlanType)
	writeLoginPage(w, http.StatusOK, loginPage{Email: login.IDClaims.Email})
	h.finish(login, nil)
}

// claim reports whether this request is the one that ends the sign-in.
func (h *callbackHandler) claim() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.claimed {
		return false
	}
	h.claimed = true
	return true
}

func (h *callbackHandler) sawWrongState() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.wrongState > 0
}

func (h *callbackHandler) finish(l Login, err error) {
	h.results <- loginResult{login: l, err: err} // never blocks: one claimant, capacity 1
}

// exchange trades the authorization code for tokens.
func (h *callbackHandler) exchange(code string) (Login, error) {
	tok, err := h.conf.Exchange(h.ctx, code, oauth2.VerifierOption(h.verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			status := 0
			if re.Response != nil {
				status = re.Response.StatusCode
			}
			// Never wrap re itself: its message may hold the raw body.
			return Login{}, fmt.Errorf("exchanging the sign-in code: %w", parseOAuthError(status, re.Body))
		}
		if cause := context.Cause(h.ctx); cause != nil {
			return Login{}, fmt.Errorf("exchanging the sign-in code: %w", cause)
		}
		return Login{}, fmt.Errorf("exchanging the sign-in code: %w", err)
	}
	idToken, _ := tok.Extra("id_token").(string)
	t := Tokens{IDToken: idToken, AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken}
	t.AccountID = accountIDFromTokens(t)
	login, err := NewLogin(t, time.Now().UTC())
	if err != nil {
		return Login{}, fmt.Errorf("reading the signed-in tokens: %w", err)
	}
	return login, nil
}

// listenCallback listens on addr, which must name a loopback host.
// "localhost" binds 127.0.0.1 (as the Codex CLI does) while the redirect URI
// keeps saying localhost, the name OpenAI has registered.
func listenCallback(addr string) (ln net.Listener, redirectHost string, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", fmt.Errorf("callback address %q: %w", addr, err)
	}
	bindHost := host
	if host == "localhost" {
		bindHost = "127.0.0.1"
	} else if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, "", fmt.Errorf("callback address %q is not a loopback address", addr)
	}
	ln, err = net.Listen("tcp", net.JoinHostPort(bindHost, port))
	if err != nil {
		if isAddrInUse(err) {
			return nil, "", fmt.Errorf("listening on %s: %w", addr, ErrPortInUse)
		}
		return nil, "", fmt.Errorf("listening on %s: %w", addr, err)
	}
	return ln, host, nil
}

// wsaeaddrinuse is Windows' "address already in use".
const wsaeaddrinuse = syscall.Errno(10048)

func isAddrInUse(err error) bool {
	if errors.Is(err, syscall.EADDRINUSE) {
		return true
	}
	return runtime.GOOS == "windows" && errors.Is(err, wsaeaddrinuse)
}
