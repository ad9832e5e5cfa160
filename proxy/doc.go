// Package proxy is Quiver's loopback rotating proxy: it takes requests from
// the Codex CLI, OpenCode and other OpenAI-compatible clients, picks one of
// the user's ChatGPT accounts per request, and forwards to the ChatGPT
// backend (POST …/backend-api/codex/responses). When an account answers
// with its usage limit, the same request is replayed on the next account
// before any byte reached the client, so the client never sees the 429.
//
// # Routes
//
//	/backend-api/codex/*    passthrough for the Codex CLI (its headers kept, account swapped in)
//	POST /v1/responses      OpenAI Responses, with the backend's required fields filled in
//	POST /v1/chat/completions  translated to Responses and back (streaming and not)
//	GET  /v1/models         the models the backend serves these accounts, with effort suffixes
//	GET  /healthz           no key needed, nothing secret
//	GET  /quiver/status     counters and per-account leases and cooldowns (JSON)
//
// # Model names
//
// An OpenAI-compatible client (OpenCode, Cline, Aider…) picks a model by
// name only, so on /v1/responses and /v1/chat/completions the name may
// carry a reasoning effort as a suffix: gpt-5.1-codex-high goes upstream
// as model gpt-5.1-codex with reasoning.effort "high". The suffixes are
// -minimal, -low, -medium, -high and -xhigh. One is split off when the
// rest of the name is a model the backend's list says supports that
// effort, or, while the list cannot be had, whenever it is one of those
// five; a name the list knows as it is is never split, and anything else
// goes upstream unchanged (the backend then says what is wrong with it).
// An effort the request sets itself (reasoning.effort, reasoning_effort)
// wins over the suffix; the rest of the client's reasoning object is kept.
// Only names with such a suffix need the list, so other requests never
// wait for it.
//
// GET /v1/models lists each model of the backend's list (GET
// {upstream}/codex/models?client_version=…, asked with one of the pool's
// accounts, like the Codex CLI does) that is not hidden, each followed by
// its effort-suffixed names. The list is fetched the first time it is
// needed, kept for Config.ModelsTTL (1 hour) and then refreshed in the
// background: after the first success no request waits for it. An answer
// that fails or cannot be read (unknown fields are ignored, unreadable
// entries skipped) keeps the last good list, or the built-in one
// (BuiltinModels) when there is none, is logged once per reason, and is
// not retried for 5 minutes.
//
// Config.ModelMap (the model_map setting) routes one model name to
// another, for clients whose list lags behind (gpt-5.2-codex →
// gpt-5.3-codex). It applies before the suffix split, once (no chains),
// and also to the rest of a suffixed name (gpt-5.2-codex-high →
// gpt-5.3-codex, effort high); a target may carry a suffix itself. It is
// read per request, so a changed map applies without a restart, and each
// mapping is logged ("model map: gpt-5.2-codex → gpt-5.3-codex") at most
// once a minute. The passthrough route (/backend-api/codex/*) keeps the
// Codex CLI's names as they are. Chat answers name the model as the
// client wrote it.
//
// # Security
//
// The server binds loopback addresses only and refuses to start otherwise.
// Every request needs the proxy key (Authorization: Bearer or x-api-key,
// compared in constant time) except /healthz; a Host header that is not
// localhost, 127.0.0.0/8 or [::1] gets 403 (DNS rebinding); CORS preflights
// are refused, any request with an Origin header gets 403 (no browser has a
// reason to call the proxy) and no CORS header is ever sent; bodies over
// Config.MaxBody get 413. Request headers must arrive within 10 s and the
// body within Config.BodyTimeout (408 after that; the deadline is lifted
// once the body is in, so long answers are not cut).
//
// The upstream request is built from an allowlist of the client's headers
// (upstream.go lists it and why): what the Codex CLI and the OpenAI SDKs
// send (originator, version, User-Agent, session_id, OpenAI-Beta, x-codex-*,
// x-stainless-*, …). Names are compared lower-cased with '_' read as '-', so
// no spelling of Authorization, chatgpt-account-id, Cookie, X-Forwarded-*,
// OpenAI-Organization or the proxy key gets through; the proxy sets the
// account's own Authorization and chatgpt-account-id. Neither tokens nor
// the key are logged: log lines carry account ids and labels, statuses and
// latencies.
//
// # Why a hand-rolled forwarder
//
// httputil.ReverseProxy commits a response as soon as it has its headers;
// failing over on an error that arrives inside an HTTP 200 stream needs the
// first events held back, inspected, and possibly thrown away, and the same
// buffered request replayed on another account. Doing that through
// ModifyResponse/ErrorHandler means fighting the type; a small forwarder
// (forward.go, relay.go) that owns the attempt loop is clearer. It keeps
// ReverseProxy's habits: hop-by-hop headers stripped both ways, streams
// flushed per event (FlushInterval -1), a tuned http.Transport of its own
// (NewTransport: IdleConnTimeout 2m, MaxIdleConnsPerHost 64), client
// cancellation passed to upstream through the request context, and
// http.ErrAbortHandler when a committed stream breaks so the client sees a
// cut connection rather than a clean end.
//
// # Failover
//
// The Picker (declared here, implemented in app/account) chooses an account
// per attempt and is told every outcome, exactly once per lease:
//
//   - 429 / usage_limit_reached: Limited, with the reset from the body
//     (resets_at, resets_in_seconds), Retry-After or the x-codex-*-reset-*
//     headers (5 minutes when none); the request moves to the next account.
//   - 401, or a 403 whose JSON names a token error: the Picker refreshes the
//     account once and the request is replayed on it; a second failure
//     moves to the next account.
//   - Any other 403 (a CDN challenge with cf-mitigated, an HTML page, a
//     region block, no body), as judged by Config.Blocked: Blocked. No
//     refresh is spent and the login is kept; the account rests briefly
//     (Retry-After up to 15 minutes, else Config.BlockedBackoff, 1 minute)
//     and the request moves to the next account. When every account is
//     blocked the client gets the upstream's status with a JSON
//     upstream_blocked error and Retry-After, never the HTML page and never
//     a usage limit.
//   - 5xx (an HTML page included), broken connections, in-stream overload
//     errors, a 2xx to a Responses request that is not an event stream
//     (garbage), a stream that ends before any output, terminal or error
//     event, and an upstream silent for Config.UpstreamIdle (2 minutes,
//     waiting for headers or between bytes; only while the proxy waits on
//     upstream, so a slow client does not count): one retry on another
//     account, then the error passes through, as JSON (504 upstream_timeout
//     for a stall).
//   - Every account limited: a 429 in the backend's own usage_limit_reached
//     shape with the pool's earliest reset and Retry-After (5 minutes when
//     the 429 said nothing), so the Codex CLI stops and tells the user when
//     to retry. No account: 503.
//
// Streams are held back until the first output delta, at most
// Holdback.Events events, Holdback.Bytes bytes or Holdback.Wait, so that an
// error event (server_is_overloaded, usage_limit_reached) in an HTTP 200
// stream still fails over invisibly; after that, events pass straight
// through. A stream that stalls after that ends with a response.failed
// event (code upstream_stalled) and a clean end, not a hanging client.
// Requests of one conversation carry a session key to the Picker;
// a request with x-codex-turn-state is pinned to the account that issued it
// (remembered from response headers, bounded and expiring).
//
// # Load
//
// bench_test.go measures the proxy against a direct connection to the same
// fake backend; BenchmarkLoad is the long leak check:
//
//	go test ./proxy -run '^$' -bench . -benchtime 2000x
//	go test ./proxy -run '^$' -bench Load -benchtime 10000x
package proxy
