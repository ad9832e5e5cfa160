package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Chat Completions requests, as OpenCode and OpenAI SDK clients send them.
type chatRequest struct {
	Model         string        `json:"model"`
	Messages      []chatMessage `json:"messages"`
	Stream        bool          `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Tools             []chatTool      `json:"tools"`
	ToolChoice        json.RawMessage `json:"tool_choice"`
	ParallelToolCalls *bool           `json:"parallel_tool_calls"`
	ReasoningEffort   string          `json:"reasoning_effort"`
	ResponseFormat    *struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict *bool           `json:"strict"`
		} `json:"json_schema"`
	} `json:"response_format"`
	PromptCacheKey string `json:"prompt_cache_key"`
}

type chatMessage struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content"`
	ToolCalls  []chatToolCall  `json:"tool_calls"`
	ToolCallID string          `json:"tool_call_id"`
}

type chatToolCall struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type chatTool struct {
	Type     string `json:"type"`
	Function struct {
		Name        string          `json:"name"`
		Description string          `json:"description,omitempty"`
		Parameters  json.RawMessage `json:"parameters,omitempty"`
		Strict      *bool           `json:"strict,omitempty"`
	} `json:"function"`
}

type chatPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	ImageURL *struct {
		URL    string `json:"url"`
		Detail string `json:"detail"`
	} `json:"image_url"`
}

// responsesRequest is what a chat request becomes.
type responsesRequest struct {
	Model             string     `json:"model"`
	Instructions      string     `json:"instructions"`
	Input             []any      `json:"input"`
	Tools             []any      `json:"tools,omitempty"`
	ToolChoice        any        `json:"tool_choice,omitempty"`
	ParallelToolCalls *bool      `json:"parallel_tool_calls,omitempty"`
	Reasoning         *reasoning `json:"reasoning,omitempty"`
	Text              any        `json:"text,omitempty"`
	Store             bool       `json:"store"`
	Stream            bool       `json:"stream"`
	Include           []string   `json:"include"`
	PromptCacheKey    string     `json:"prompt_cache_key,omitempty"`
}

type reasoning struct {
	Effort  string `json:"effort,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// chatToResponses translates a chat completions request. System and
// developer messages become the instructions; the rest become input items.
func chatToResponses(cr *chatRequest) (*responsesRequest, error) {
	if len(cr.Messages) == 0 {
		return nil, fmt.Errorf("%w: messages is required", errBadRequest)
	}
	rr := &responsesRequest{
		Model: cr.Model, Include: []string{encryptedReasoning}, Stream: true,
		ParallelToolCalls: cr.ParallelToolCalls, PromptCacheKey: cr.PromptCacheKey, Input: []any{},
	}
	var instructions []string
	for i, m := range cr.Messages {
		parts, err := chatContent(m.Content)
		if err != nil {
			return nil, fmt.Errorf("%w: messages[%d]: %v", errBadRequest, i, err)
		}
		switch m.Role {
		case "system", "developer":
			instructions = append(instructions, joinText(parts))
		case "user":
			rr.Input = append(rr.Input, messageItem("user", parts, "input_text"))
		case "assistant":
			if len(parts) > 0 {
				rr.Input = append(rr.Input, messageItem("assistant", parts, "output_text"))
			}
			for _, tc := range m.ToolCalls {
				rr.Input = append(rr.Input, map[string]any{
					"type": "function_call", "call_id": tc.ID, "name": tc.Function.Name, "arguments": tc.Function.Arguments,
				})
			}
		case "tool":
			rr.Input = append(rr.Input, map[string]any{
				"type": "function_call_output", "call_id": m.ToolCallID, "output": joinText(parts),
			})
		default:
			return nil, fmt.Errorf("%w: messages[%d]: unknown role %q", errBadRequest, i, m.Role)
		}
	}
	rr.Instructions = strings.Join(instructions, "\n\n")
	if rr.Instructions == "" {
		rr.Instructions = DefaultInstructions
	}
	for _, t := range cr.Tools {
		if t.Type != "function" {
			continue
		}
		tool := map[string]any{"type": "function", "name": t.Function.Name}
		if t.Function.Description != "" {
			tool["description"] = t.Function.Description
		}
		if len(t.Function.Parameters) > 0 {
			tool["parameters"] = t.Function.Parameters
		}
		if t.Function.Strict != nil {
			tool["strict"] = *t.Function.Strict
		}
		rr.Tools = append(rr.Tools, tool)
	}
	rr.ToolChoice = chatToolChoice(cr.ToolChoice)
	if cr.ReasoningEffort != "" {
		rr.Reasoning = &reasoning{Effort: cr.ReasoningEffort, Summary: "auto"}
	}
	if f := cr.ResponseFormat; f != nil {
		switch {
		case f.Type == "json_schema" && f.JSONSchema != nil:
			format := map[string]any{"type": "json_schema", "name": f.JSONSchema.Name, "schema": f.JSONSchema.Schema}
			if f.JSONSchema.Strict != nil {
				format["strict"] = *f.JSONSchema.Strict
			}
			rr.Text = map[string]any{"format": format}
		case f.Type == "json_object":
			rr.Text = map[string]any{"format": map[string]any{"type": "json_object"}}
		}
	}
	return rr, nil
}

// chatContent reads a message's content: a string, a list of parts, or null.
func chatContent(raw json.RawMessage) ([]chatPart, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var text string
	if json.Unmarshal(raw, &text) == nil {
		if text == "" {
			return nil, nil
		}
		return []chatPart{{Type: "text", Text: text}}, nil
	}
	var parts []chatPart
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, fmt.Errorf("content must be a string or a list of parts")
	}
	return parts, nil
}

func joinText(parts []chatPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" || p.Type == "input_text" || p.Type == "output_text" {
			b.WriteString(p.Text)
		}
	}
	return b.String()
}

func messageItem(role string, parts []chatPart, textType string) map[string]any {
	content := []any{}
	for _, p := range parts {
		switch {
		case p.Type == "image_url" && p.ImageURL != nil:
			img := map[string]any{"type": "input_image", "image_url": p.ImageURL.URL}
			if p.ImageURL.Detail != "" {
				img["detail"] = p.ImageURL.Detail
			}
			content = append(content, img)
		case p.Type == "text" || p.Type == "input_text" || p.Type == "output_text":
			content = append(content, map[string]any{"type": textType, "text": p.Text})
		}
	}
	return map[string]any{"type": "message", "role": role, "content": content}
}

// chatToolChoice maps {"type":"function","function":{"name":x}} to the
// Responses shape; strings pass as they are.
func chatToolChoice(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Type     string `json:"type"`
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if json.Unmarshal(raw, &obj) == nil && obj.Function.Name != "" {
		return map[string]any{"type": "function", "name": obj.Function.Name}
	}
	return nil
}

// handleChat serves /v1/chat/completions by way of the Responses backend.
func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var cr chatRequest
	if err := json.Unmarshal(body, &cr); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "the body is not a chat completions request: "+err.Error())
		return
	}
	rr, err := chatToResponses(&cr)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	var effort string
	rr.Model, effort = s.resolveModel(r.Context(), "chat", cr.Model)
	if effort != "" && cr.ReasoningEffort == "" { // the request's own effort wins over the name's
		rr.Reasoning = &reasoning{Effort: effort, Summary: "auto"}
	}
	out, err := json.Marshal(rr)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request_error", "encoding the translated request failed")
		return
	}
	c := s.v1Call("chat", r, out, cr.PromptCacheKey)
	tr := newChatTranslator(cr.Model)
	if cr.Stream {
		includeUsage := cr.StreamOptions != nil && cr.StreamOptions.IncludeUsage
		s.forward(w, r, c, &chatStreamSink{w: w, rc: http.NewResponseController(w), tr: tr, includeUsage: includeUsage}, s.streamPolicy())
		return
	}
	s.forward(w, r, c, &chatCollector{w: w, tr: tr}, s.collectPolicy())
}
