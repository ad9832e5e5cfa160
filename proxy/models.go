package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// Model is one model the backend serves, as /v1/models and the effort
// suffixes need it.
type Model struct {
	Slug    string   // the name the backend knows it by, e.g. gpt-5.1-codex
	Efforts []string // reasoning efforts it accepts (supported_reasoning_levels)
	Hidden  bool     // served but not offered in pickers (visibility other than "list")
}

// Defaults for the model list.
const (
	// DefaultModelsTTL is how long the backend's model list is used before
	// it is fetched again, in the background.
	DefaultModelsTTL = time.Hour
	// DefaultClientVersion is sent as client_version to the backend's
	// models endpoint, which filters its list by it (the Codex CLI sends
	// its own version).
	DefaultClientVersion = "0.169.0"
)

const (
	modelsRetry        = 5 * time.Minute  // after a failed fetch, no new one before this
	modelsFetchTimeout = 15 * time.Second // one fetch of the list, all included
	maxModelsBody      = 4 << 20          // bytes of a models answer read
	modelMapLogEvery   = time.Minute      // a mapping is logged at most this often
)

// isEffort reports whether s is a reasoning effort a model name may carry
// as a suffix.
func isEffort(s string) bool {
	switch s {
	case "minimal", "low", "medium", "high", "xhigh":
		return true
	}
	return false
}

// BuiltinModels is the list /v1/models serves when the backend's own list
// cannot be had. The backend's list replaces it as soon as it answers.
func BuiltinModels() []Model {
	lmh := []string{"low", "medium", "high"}
	return []Model{
		{Slug: "gpt-5.2-codex", Efforts: []string{"low", "medium", "high", "xhigh"}},
		{Slug: "gpt-5.2", Efforts: []string{"low", "medium", "high", "xhigh"}},
		{Slug: "gpt-5.1-codex-max", Efforts: []string{"low", "medium", "high", "xhigh"}},
		{Slug: "gpt-5.1-codex", Efforts: lmh},
		{Slug: "gpt-5.1-codex-mini", Efforts: []string{"medium", "high"}},
		{Slug: "gpt-5.1", Efforts: lmh},
		{Slug: "gpt-5-codex", Efforts: lmh},
		{Slug: "gpt-5-codex-mini", Efforts: []string{"medium", "high"}},
		{Slug: "gpt-5", Efforts: []string{"minimal", "low", "medium", "high"}},
	}
}

// DefaultModels returns the slugs of BuiltinModels.
func DefaultModels() []string {
	var out []string
	for _, m := range BuiltinModels() {
		out = append(out, m.Slug)
	}
	return out
}

// modelIDs is what /v1/models lists for models: each listed model, then
// the model with each effort suffix it supports.
func modelIDs(models []Model) []string {
	var ids []string
	seen := map[string]bool{}
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	for _, m := range models {
		if m.Hidden {
			continue
		}
		add(m.Slug)
		for _, e := range m.Efforts {
			if isEffort(e) {
				add(m.Slug + "-" + e)
			}
		}
	}
	return ids
}

func findModel(models []Model, slug string) (Model, bool) {
	i := slices.IndexFunc(models, func(m Model) bool { return m.Slug == slug })
	if i < 0 {
		return Model{}, false
	}
	return models[i], true
}

// parseModels reads the backend's models answer,
// {"models":[{"slug":…,"supported_reasoning_levels":[{"effort":…},…],"visibility":…},…]},
// tolerantly: unknown fields are ignored, an entry that cannot be read is
// skipped, efforts may also be plain strings. An answer with no usable
// model is an error.
func parseModels(body []byte) ([]Model, error) {
	var answer struct {
		Models []json.RawMessage `json:"models"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		return nil, fmt.Errorf("the models answer is not JSON with a models list: %w", err)
	}
	var out []Model
	for _, raw := range answer.Models {
		var entry struct {
			Slug       string            `json:"slug"`
			Visibility string            `json:"visibility"`
			Levels     []json.RawMessage `json:"supported_reasoning_levels"`
		}
		if json.Unmarshal(raw, &entry) != nil || !saneName(entry.Slug) {
			continue
		}
		if _, dup := findModel(out, entry.Slug); dup {
			continue
		}
		m := Model{Slug: entry.Slug, Hidden: entry.Visibility != "" && entry.Visibility != "list"}
		for _, l := range entry.Levels {
			var e string
			if json.Unmarshal(l, &e) != nil {
				var obj struct {
					Effort string `json:"effort"`
				}
				json.Unmarshal(l, &obj)
				e = obj.Effort
			}
			if saneName(e) && !slices.Contains(m.Efforts, e) {
				m.Efforts = append(m.Efforts, e)
			}
		}
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, errors.New("the models answer lists no usable model")
	}
	return out, nil
}

// saneName accepts a model or effort name: short, printable, no spaces.
func saneName(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return false
		}
	}
	return true
}

// fetchModels asks the backend which models it serves to the pool's
// accounts, with one account the Picker hands out (its lease is reported
// like any other attempt; a refusal spends no refresh).
func (s *Server) fetchModels(ctx context.Context) ([]Model, error) {
	lease, err := s.cfg.Picker.Pick(ctx, PickRequest{})
	if err != nil {
		return nil, fmt.Errorf("picking an account to ask for the model list: %w", err)
	}
	start := time.Now()
	o := Outcome{Kind: Failed}
	defer func() {
		o.Latency = time.Since(start)
		s.cfg.Picker.Report(lease, o)
	}()
	target := s.base + "/codex/models?client_version=" + url.QueryEscape(s.cfg.ClientVersion)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		o.Err = err
		return nil, fmt.Errorf("building the models request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+lease.AccessToken)
	if lease.ChatGPTAccountID != "" {
		req.Header.Set("Chatgpt-Account-Id", lease.ChatGPTAccountID)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Originator", "codex_cli_rs")
	req.Header.Set("Version", s.cfg.ClientVersion)
	req.Header.Set("User-Agent", "codex_cli_rs/"+s.cfg.ClientVersion)
	resp, err := s.transport.RoundTrip(req)
	if err != nil {
		o.Err = err
		if ctx.Err() != nil {
			o.Kind = Canceled
		}
		return nil, fmt.Errorf("asking the backend for its models: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxModelsBody))
	o.Status, o.Header = resp.StatusCode, resp.Header
	if err != nil {
		o.Err = err
		return nil, fmt.Errorf("reading the backend's models answer: %w", err)
	}
	status := resp.StatusCode
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		if s.cfg.Blocked != nil && s.cfg.Blocked(status, resp.Header, body) {
			o.Kind, o.ResetAt = Blocked, s.blockedBackoff(time.Now(), resp.Header)
			o.Err = errors.New(refusalReason(status, resp.Header, body))
		} else {
			o.Kind = Unauthorized
		}
		return nil, fmt.Errorf("the backend refused the models request (HTTP %d)", status)
	case status == http.StatusTooManyRequests:
		o.Kind = Rejected // a GET spends no quota; a 429 here says little about the account
		return nil, fmt.Errorf("the backend's models endpoint answered HTTP %d", status)
	case status >= 500:
		return nil, fmt.Errorf("the backend's models endpoint answered HTTP %d", status)
	case status < 200 || status > 299:
		o.Kind = Rejected
		return nil, fmt.Errorf("the backend's models endpoint answered HTTP %d", status)
	}
	models, err := parseModels(body)
	if err != nil {
		o.Err = err
		return nil, err
	}
	o.Kind = Success
	return models, nil
}

// modelCatalog keeps the backend's model list: fetched the first time it
// is needed (the caller waits for that one fetch), then used for ttl and
// refreshed in the background, so requests never wait for it again. When
// a fetch fails the last good list stays in use, or the built-in one when
// there is none, and no new fetch starts for modelsRetry. Each new reason
// for a failure is logged once.
type modelCatalog struct {
	fetch   func(ctx context.Context) ([]Model, error)
	builtin []Model
	ttl     time.Duration
	retry   time.Duration
	now     func() time.Time
	log     *slog.Logger

	mu          sync.Mutex    // guards everything below
	models      []Model       // the last good list from the backend; nil before one
	fetchedAt   time.Time     // when models arrived
	nextTry     time.Time     // after a failure: no fetch before this
	fetching    chan struct{} // while a fetch runs; closed when it has ended
	lastProblem string        // the failure last logged
}

// list returns the models to use and whether they are the backend's.
func (c *modelCatalog) list(ctx context.Context) ([]Model, bool) {
	c.mu.Lock()
	now := c.now()
	if c.models != nil {
		if now.Sub(c.fetchedAt) >= c.ttl && !now.Before(c.nextTry) && c.fetching == nil {
			c.startLocked()
		}
		defer c.mu.Unlock()
		return c.models, true
	}
	if now.Before(c.nextTry) {
		c.mu.Unlock()
		return c.builtin, false
	}
	done := c.fetching
	if done == nil {
		done = c.startLocked()
	}
	c.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.models != nil {
		return c.models, true
	}
	return c.builtin, false
}

// startLocked starts a fetch in the background.
func (c *modelCatalog) startLocked() chan struct{} {
	done := make(chan struct{})
	c.fetching = done
	go c.run(done)
	return done
}

func (c *modelCatalog) run(done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), modelsFetchTimeout)
	defer cancel()
	models, err := c.fetch(ctx)
	c.mu.Lock()
	defer func() {
		c.fetching = nil
		close(done)
		c.mu.Unlock()
	}()
	if err != nil {
		c.nextTry = c.now().Add(c.retry)
		if problem := err.Error(); problem != c.lastProblem {
			c.lastProblem = problem
			using := "the built-in list"
			if c.models != nil {
				using = "the list fetched at " + c.fetchedAt.UTC().Format(time.RFC3339)
			}
			c.log.Warn("the backend's model list is unavailable; /v1/models serves "+using,
				"err", err, "retry_in", c.retry)
		}
		return
	}
	if c.models == nil || c.lastProblem != "" {
		c.log.Info("model list fetched from the backend", "models", len(models))
	}
	c.models, c.fetchedAt, c.nextTry, c.lastProblem = models, c.now(), time.Time{}, ""
}

// modelMapNotes keeps a model mapping from being logged on every request.
type modelMapNotes struct {
	mu   sync.Mutex
	last map[string]time.Time // "from\x00to" → when it was last logged
}

// due reports whether the mapping from → to should be logged now.
func (n *modelMapNotes) due(from, to string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := from + "\x00" + to
	if t, ok := n.last[k]; ok && now.Sub(t) < modelMapLogEvery {
		return false
	}
	if n.last == nil || len(n.last) > 1024 {
		n.last = map[string]time.Time{}
	}
	n.last[k] = now
	return true
}

// resolveModel turns the model name a client wrote into the model and
// reasoning effort sent upstream:
//
//  1. the model map: a name it holds becomes its target (once, no chains);
//  2. an effort suffix (-minimal, -low, -medium, -high, -xhigh) is split
//     off when the rest names a model the backend's list says supports
//     that effort (after the map, so gpt-5.2-codex-high follows a
//     gpt-5.2-codex mapping), or, when the backend's list is unavailable,
//     whenever it is one of those five. A name the list knows as it is
//     is never split.
//
// effort is "" when the name carried none; the caller lets an effort the
// request sets itself win over it.
func (s *Server) resolveModel(ctx context.Context, route, name string) (model, effort string) {
	mm := s.modelMap()
	if to, ok := mm[name]; ok && to != "" {
		s.noteMapped(route, name, to)
		name = to
	}
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || !isEffort(name[i+1:]) {
		return name, ""
	}
	base, suffix := name[:i], name[i+1:]
	models, upstream := s.catalog.list(ctx)
	if _, known := findModel(models, name); known {
		return name, ""
	}
	target := base
	if to, ok := mm[base]; ok && to != "" {
		target = to
	}
	if upstream {
		m, ok := findModel(models, target)
		if !ok || !slices.Contains(m.Efforts, suffix) {
			return name, ""
		}
	}
	if target != base {
		s.noteMapped(route, base, target)
	}
	s.log.Debug("model effort suffix", "route", route, "model", name, "upstream_model", target, "effort", suffix)
	return target, suffix
}

// modelMap returns the current model map (nil when there is none).
func (s *Server) modelMap() map[string]string {
	if s.cfg.ModelMap == nil {
		return nil
	}
	return s.cfg.ModelMap()
}

func (s *Server) noteMapped(route, from, to string) {
	if s.mapNotes.due(from, to, time.Now()) {
		s.log.Info("model map: "+from+" → "+to, "route", route)
	}
}

func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	type model struct {
		ID      string `json:"id"`
		Object  string `json:"object"`
		Created int64  `json:"created"`
		OwnedBy string `json:"owned_by"`
	}
	list := struct {
		Object string  `json:"object"`
		Data   []model `json:"data"`
	}{Object: "list", Data: []model{}}
	models, _ := s.catalog.list(r.Context())
	for _, id := range modelIDs(models) {
		list.Data = append(list.Data, model{ID: id, Object: "model", Created: s.started.Unix(), OwnedBy: "openai"})
	}
	writeJSON(w, http.StatusOK, list)
}
