package proxy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
)

// DefaultInstructions fills a /v1 request that has none: the backend
// refuses requests without instructions.
const DefaultInstructions = "You are a helpful coding assistant."

// encryptedReasoning is what every stateless (store: false) request must
// include so reasoning can be carried to the next turn.
const encryptedReasoning = "reasoning.encrypted_content"

// unsupportedParams are Responses parameters the ChatGPT backend refuses;
// they are dropped rather than failing the request.
var unsupportedParams = []string{"max_output_tokens", "max_completion_tokens", "max_tokens"}

// errBadRequest marks a client request the proxy cannot translate.
var errBadRequest = errors.New("invalid request")

// modelResolver turns a client's model name into the upstream model and
// the effort its name carried (Server.resolveModel).
type modelResolver func(name string) (model, effort string)

// normalizeResponses fills what the backend requires into an OpenAI
// Responses request: instructions present, input a list, store false,
// stream true, encrypted reasoning included; the model name goes through
// resolve, and an effort it carried becomes reasoning.effort unless the
// request sets one. Other fields pass unchanged. It returns whether the
// client asked for a stream.
func normalizeResponses(body []byte, resolve modelResolver) (out []byte, stream bool, cacheKey string, err error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil || m == nil {
		return nil, false, "", fmt.Errorf("%w: the body is not a JSON object", errBadRequest)
	}
	if err := resolveResponsesModel(m, resolve); err != nil {
		return nil, false, "", err
	}
	if raw, ok := m["stream"]; ok && json.Unmarshal(raw, &stream) != nil {
		return nil, false, "", fmt.Errorf("%w: stream must be a boolean", errBadRequest)
	}
	if raw, ok := m["prompt_cache_key"]; ok {
		json.Unmarshal(raw, &cacheKey)
	}
	var instructions *string
	if raw, ok := m["instructions"]; ok && json.Unmarshal(raw, &instructions) != nil {
		return nil, false, "", fmt.Errorf("%w: instructions must be a string", errBadRequest)
	}
	if instructions == nil || *instructions == "" {
		m["instructions"] = mustJSON(DefaultInstructions)
	}
	input, err := normalizeInput(m["input"])
	if err != nil {
		return nil, false, "", err
	}
	m["input"] = input
	m["store"] = json.RawMessage("false")
	m["stream"] = json.RawMessage("true")
	var include []string
	if raw, ok := m["include"]; ok && string(raw) != "null" && json.Unmarshal(raw, &include) != nil {
		return nil, false, "", fmt.Errorf("%w: include must be a list of strings", errBadRequest)
	}
	if !slices.Contains(include, encryptedReasoning) {
		include = append(include, encryptedReasoning)
	}
	m["include"] = mustJSON(include)
	for _, k := range unsupportedParams {
		delete(m, k)
	}
	out, err = json.Marshal(m)
	return out, stream, cacheKey, err
}

// resolveResponsesModel applies resolve to a Responses request's model.
func resolveResponsesModel(m map[string]json.RawMessage, resolve modelResolver) error {
	raw, ok := m["model"]
	if !ok || resolve == nil {
		return nil
	}
	var name string
	if json.Unmarshal(raw, &name) != nil {
		return fmt.Errorf("%w: model must be a string", errBadRequest)
	}
	model, effort := resolve(name)
	if model != name {
		m["model"] = mustJSON(model)
	}
	if effort == "" {
		return nil
	}
	var r map[string]json.RawMessage
	if raw, ok := m["reasoning"]; ok && string(raw) != "null" && json.Unmarshal(raw, &r) != nil {
		return fmt.Errorf("%w: reasoning must be an object", errBadRequest)
	}
	if r == nil {
		r = map[string]json.RawMessage{}
	}
	var set string
	json.Unmarshal(r["effort"], &set)
	if set != "" {
		return nil // the request's own effort wins over the name's
	}
	r["effort"] = mustJSON(effort)
	m["reasoning"] = mustJSON(r)
	return nil
}

// normalizeInput makes input a list: a bare string becomes one user message.
func normalizeInput(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("%w: input is required", errBadRequest)
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		return mustJSON([]any{userMessage(text)}), nil
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil, fmt.Errorf("%w: input must be a string or a list", errBadRequest)
	}
	return raw, nil
}

func userMessage(text string) map[string]any {
	return map[string]any{
		"type": "message", "role": "user",
		"content": []any{map[string]any{"type": "input_text", "text": text}},
	}
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("proxy: marshalling a built-in value: %v", err))
	}
	return b
}

// handleResponses serves the OpenAI-compatible Responses endpoint.
func (s *Server) handleResponses(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	resolve := func(name string) (string, string) { return s.resolveModel(r.Context(), "responses", name) }
	out, stream, cacheKey, err := normalizeResponses(body, resolve)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	c := s.v1Call("responses", r, out, cacheKey)
	if stream {
		s.forward(w, r, c, newPassSink(w), s.streamPolicy())
		return
	}
	s.forward(w, r, c, &responseCollector{w: w}, s.collectPolicy())
}

// v1Call builds the upstream call for an OpenAI-compatible route: the
// client's headers minus credentials, plus what the backend expects from
// the Codex CLI.
func (s *Server) v1Call(route string, r *http.Request, body []byte, cacheKey string) *call {
	h := forwardHeaders(r.Header)
	for k := range h { // the proxy sends its own, plain JSON body and wants a stream
		if n := headerName(k); n == "content-encoding" || n == "content-type" || n == "accept" {
			delete(h, k)
		}
	}
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "text/event-stream")
	if h.Get("Originator") == "" {
		h.Set("Originator", "codex_cli_rs")
	}
	if h.Get("Openai-Beta") == "" {
		h.Set("Openai-Beta", "responses=experimental")
	}
	key := sessionKey(r.Header, nil)
	if key == "" {
		key = cacheKey
	}
	if key != "" && h.Get("Session_id") == "" {
		h.Set("Session_id", key)
	}
	return &call{route: route, method: http.MethodPost, target: "/codex/responses", header: h, body: body, sessionKey: key, wantsStream: true}
}

// responseCollector gathers a stream into the final response object for a
// client that asked for stream=false.
type responseCollector struct {
	w        http.ResponseWriter
	upstream http.Header
	items    []json.RawMessage
	final    json.RawMessage
	failure  *upstreamErr
}

func (c *responseCollector) start(status int, upstream http.Header) error {
	c.upstream = upstream
	return nil
}

func (c *responseCollector) event(ev *sseEvent) error {
	switch {
	case ev.name == evItemDone:
		var e struct {
			Item json.RawMessage `json:"item"`
		}
		if json.Unmarshal(ev.data, &e) == nil && len(e.Item) > 0 {
			c.items = append(c.items, e.Item)
		}
	case isTerminalEvent(ev.name):
		var e struct {
			Response json.RawMessage `json:"response"`
		}
		if json.Unmarshal(ev.data, &e) == nil {
			c.final = e.Response
		}
	case isErrorEvent(ev.name):
		c.failure = eventError(ev.data)
	}
	return nil
}

func (c *responseCollector) end(err error) error {
	copyCodexHeaders(c.w.Header(), c.upstream)
	switch {
	case c.final != nil && c.failure == nil:
		var m map[string]json.RawMessage
		if json.Unmarshal(c.final, &m) != nil || m == nil {
			writeError(c.w, http.StatusBadGateway, "upstream_error", "the backend's final response was unreadable")
			return nil
		}
		var output []json.RawMessage
		json.Unmarshal(m["output"], &output)
		if len(output) == 0 && len(c.items) > 0 {
			m["output"] = mustJSON(c.items)
		}
		writeJSON(c.w, http.StatusOK, m)
	case c.failure != nil:
		writeUpstreamFailure(c.w, c.failure)
	case err != nil:
		writeError(c.w, http.StatusBadGateway, "upstream_error", "the backend's stream broke before the response completed")
	default:
		writeError(c.w, http.StatusBadGateway, "upstream_error", "the backend's stream ended before the response completed")
	}
	return nil
}

// writeUpstreamFailure answers a collected request whose stream failed.
func writeUpstreamFailure(w http.ResponseWriter, e *upstreamErr) {
	status := http.StatusBadGateway
	switch classify(e) {
	case failLimited:
		status = http.StatusTooManyRequests
	case failOverloaded:
		status = http.StatusServiceUnavailable
	}
	typ := e.Type
	if typ == "" {
		typ = "upstream_error"
	}
	writeJSON(w, status, apiError{Error: apiErrorBody{Type: typ, Code: string(e.Code), Message: e.Message}})
}
