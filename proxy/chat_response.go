package proxy

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Chat Completions answer shapes.
type chatChunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []chunkChoice `json:"choices"`
	Usage   *chatUsage    `json:"usage,omitempty"`
}

type chunkChoice struct {
	Index        int        `json:"index"`
	Delta        chunkDelta `json:"delta"`
	FinishReason *string    `json:"finish_reason"`
}

type chunkDelta struct {
	Role             string          `json:"role,omitempty"`
	Content          *string         `json:"content,omitempty"`
	ReasoningContent string          `json:"reasoning_content,omitempty"`
	ToolCalls        []chunkToolCall `json:"tool_calls,omitempty"`
}

type chunkToolCall struct {
	Index    int           `json:"index"`
	ID       string        `json:"id,omitempty"`
	Type     string        `json:"type,omitempty"`
	Function chunkFunction `json:"function"`
}

type chunkFunction struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

type chatUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	TotalTokens         int64 `json:"total_tokens"`
	PromptTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
}

type chatCompletion struct {
	ID      string       `json:"id"`
	Object  string       `json:"object"`
	Created int64        `json:"created"`
	Model   string       `json:"model"`
	Choices []chatChoice `json:"choices"`
	Usage   *chatUsage   `json:"usage,omitempty"`
}

type chatChoice struct {
	Index        int        `json:"index"`
	Message      chatAnswer `json:"message"`
	FinishReason string     `json:"finish_reason"`
}

type chatAnswer struct {
	Role             string         `json:"role"`
	Content          *string        `json:"content"`
	ReasoningContent string         `json:"reasoning_content,omitempty"`
	ToolCalls        []chatToolCall `json:"tool_calls,omitempty"`
}

// chatTranslator follows a Responses stream and keeps what a chat answer
// needs: ids, tool call indexes, the finish reason and usage.
type chatTranslator struct {
	id, model string
	created   int64
	tools     map[string]int // function_call item id → tool call index
	toolCalls []chatToolCall
	text      strings.Builder
	reasoning strings.Builder
	usage     *chatUsage
	finish    string
	failure   *upstreamErr
}

func newChatTranslator(model string) *chatTranslator {
	return &chatTranslator{id: "chatcmpl-quiver", model: model, created: time.Now().Unix(), tools: map[string]int{}}
}

// apply folds one upstream event in and returns the chunk deltas it makes.
func (t *chatTranslator) apply(ev *sseEvent) []chunkDelta {
	if isErrorEvent(ev.name) {
		t.failure = eventError(ev.data)
		return nil
	}
	e, ok := decodeEvent(ev.data)
	if !ok {
		return nil
	}
	switch {
	case ev.name == evCreated && e.Response != nil:
		if e.Response.ID != "" {
			t.id = "chatcmpl-" + strings.TrimPrefix(e.Response.ID, "resp_")
		}
		if e.Response.Model != "" {
			t.model = e.Response.Model
		}
		return []chunkDelta{{Role: "assistant", Content: new(string)}}
	case ev.name == evOutputText:
		t.text.WriteString(e.Delta)
		return []chunkDelta{{Content: &e.Delta}}
	case ev.name == "response.reasoning_summary_text.delta" || ev.name == "response.reasoning_text.delta":
		t.reasoning.WriteString(e.Delta)
		return []chunkDelta{{ReasoningContent: e.Delta}}
	case ev.name == evItemAdded && e.Item != nil && e.Item.Type == "function_call":
		i := len(t.toolCalls)
		t.tools[e.Item.ID] = i
		tc := chatToolCall{ID: e.Item.CallID, Type: "function"}
		tc.Function.Name = e.Item.Name
		t.toolCalls = append(t.toolCalls, tc)
		return []chunkDelta{{ToolCalls: []chunkToolCall{{Index: i, ID: e.Item.CallID, Type: "function", Function: chunkFunction{Name: e.Item.Name}}}}}
	case ev.name == evArgumentsDelta:
		i, ok := t.tools[e.ItemID]
		if !ok {
			return nil
		}
		t.toolCalls[i].Function.Arguments += e.Delta
		return []chunkDelta{{ToolCalls: []chunkToolCall{{Index: i, Function: chunkFunction{Arguments: e.Delta}}}}}
	case ev.name == evItemDone && e.Item != nil && e.Item.Type == "function_call":
		if i, ok := t.tools[e.Item.ID]; ok && e.Item.Arguments != "" {
			t.toolCalls[i].Function.Arguments = e.Item.Arguments
		}
	case isTerminalEvent(ev.name) && e.Response != nil:
		t.finish = "stop"
		if len(t.toolCalls) > 0 {
			t.finish = "tool_calls"
		}
		if d := e.Response.IncompleteDetails; ev.name == evIncomplete || d != nil {
			t.finish = "length"
			if d != nil && d.Reason == "content_filter" {
				t.finish = "content_filter"
			}
		}
		if u := e.Response.Usage.tokenUsage(); u != nil {
			t.usage = &chatUsage{PromptTokens: u.InputTokens, CompletionTokens: u.OutputTokens, TotalTokens: u.TotalTokens}
			t.usage.PromptTokensDetails.CachedTokens = u.CachedInputTokens
			t.usage.CompletionTokensDetails.ReasoningTokens = u.ReasoningTokens
		}
	}
	return nil
}

func (t *chatTranslator) chunk(deltas ...chunkDelta) chatChunk {
	c := chatChunk{ID: t.id, Object: "chat.completion.chunk", Created: t.created, Model: t.model, Choices: []chunkChoice{}}
	for _, d := range deltas {
		c.Choices = append(c.Choices, chunkChoice{Delta: d})
	}
	return c
}

// chatStreamSink answers with chat.completion.chunk events.
type chatStreamSink struct {
	w            http.ResponseWriter
	rc           *http.ResponseController
	tr           *chatTranslator
	includeUsage bool
	done         bool // [DONE] or an error was written
}

func (c *chatStreamSink) start(status int, upstream http.Header) error {
	h := c.w.Header()
	copyCodexHeaders(h, upstream)
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	c.w.WriteHeader(http.StatusOK)
	return c.rc.Flush()
}

func (c *chatStreamSink) event(ev *sseEvent) error {
	if c.done {
		return nil
	}
	deltas := c.tr.apply(ev)
	var out []any
	for _, d := range deltas {
		out = append(out, c.tr.chunk(d))
	}
	switch {
	case c.tr.failure != nil:
		e := c.tr.failure
		out = append(out, apiError{Error: apiErrorBody{Type: orDefault(e.Type, "upstream_error"), Code: string(e.Code), Message: e.Message}})
		c.done = true
	case isTerminalEvent(ev.name):
		last := c.tr.chunk(chunkDelta{})
		last.Choices[0].FinishReason = &c.tr.finish
		out = append(out, last)
		if c.includeUsage && c.tr.usage != nil {
			u := c.tr.chunk()
			u.Usage = c.tr.usage
			out = append(out, u)
		}
		c.done = true
	}
	if len(out) == 0 {
		return nil
	}
	var b []byte
	for _, v := range out {
		b = append(b, "data: "...)
		b = append(b, mustJSON(v)...)
		b = append(b, "\n\n"...)
	}
	if c.done && c.tr.failure == nil {
		b = append(b, "data: [DONE]\n\n"...)
	}
	if _, err := c.w.Write(b); err != nil {
		return err
	}
	return c.rc.Flush()
}

func (c *chatStreamSink) end(err error) error {
	if err != nil || !c.done {
		return errStreamCut
	}
	return nil
}

// chatCollector answers stream=false chat requests with one chat.completion.
type chatCollector struct {
	w        http.ResponseWriter
	tr       *chatTranslator
	upstream http.Header
}

func (c *chatCollector) start(status int, upstream http.Header) error {
	c.upstream = upstream
	return nil
}

func (c *chatCollector) event(ev *sseEvent) error {
	c.tr.apply(ev)
	return nil
}

func (c *chatCollector) end(err error) error {
	copyCodexHeaders(c.w.Header(), c.upstream)
	t := c.tr
	switch {
	case t.failure != nil:
		writeUpstreamFailure(c.w, t.failure)
	case t.finish == "":
		writeError(c.w, http.StatusBadGateway, "upstream_error", "the backend's stream ended before the response completed")
	default:
		msg := chatAnswer{Role: "assistant", ToolCalls: t.toolCalls, ReasoningContent: t.reasoning.String()}
		if t.text.Len() > 0 || len(t.toolCalls) == 0 {
			text := t.text.String()
			msg.Content = &text
		}
		writeJSON(c.w, http.StatusOK, chatCompletion{
			ID: t.id, Object: "chat.completion", Created: t.created, Model: t.model,
			Choices: []chatChoice{{Message: msg, FinishReason: t.finish}}, Usage: t.usage,
		})
	}
	return nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// errStreamCut says an upstream stream ended without its final event.
var errStreamCut = errors.New("the backend's stream ended before the response completed")
