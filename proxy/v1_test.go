package proxy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/quiver-app/quiver/app/codex/codextest"
)

// lastBody decodes the body of the backend's last request.
func (e *env) lastBody() map[string]any {
	e.t.Helper()
	reqs := e.backend.Requests()
	if len(reqs) == 0 {
		e.t.Fatal("backend saw no request")
	}
	var m map[string]any
	if err := json.Unmarshal(reqs[len(reqs)-1].Body, &m); err != nil {
		e.t.Fatalf("upstream body: %v", err)
	}
	return m
}

func TestV1ResponsesFillsRequiredFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body      string
		stream          bool
		wantInstruction string
	}{
		{"string input, no stream field", `{"model":"gpt-5.1-codex","input":"hi","max_output_tokens":99}`, false, "You are a helpful coding assistant."},
		{"list input, stream, store true", `{"model":"gpt-5.1-codex","instructions":"mine","input":[{"role":"user","content":"hi"}],"stream":true,"store":true,"include":["x"],"prompt_cache_key":"pk"}`, true, "mine"},
		{"null instructions", `{"model":"gpt-5.1","instructions":null,"input":"hi","stream":false}`, false, "You are a helpful coding assistant."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 1)
			resp, body := e.do(e.request(context.Background(), "POST", "/v1/responses", tt.body))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %q", resp.StatusCode, body)
			}
			up := e.lastBody()
			if up["instructions"] != tt.wantInstruction || up["store"] != false || up["stream"] != true {
				t.Errorf("upstream body = %v", up)
			}
			if _, ok := up["input"].([]any); !ok {
				t.Errorf("input is not a list: %v", up["input"])
			}
			if inc, _ := up["include"].([]any); !slices.Contains(inc, any("reasoning.encrypted_content")) {
				t.Errorf("include = %v", up["include"])
			}
			if _, ok := up["max_output_tokens"]; ok {
				t.Error("max_output_tokens was not dropped")
			}
			if tt.stream {
				if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" || streamText(t, body) != "Hello from acct-a" {
					t.Errorf("stream answer %q %q", ct, body)
				}
				if inc := up["include"].([]any); !slices.Contains(inc, any("x")) {
					t.Errorf("client's include entries lost: %v", inc)
				}
				return
			}
			var r struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Output []struct {
					Type    string `json:"type"`
					Content []struct{ Text string }
				} `json:"output"`
				Usage struct {
					InputTokens int `json:"input_tokens"`
				} `json:"usage"`
			}
			if err := json.Unmarshal([]byte(body), &r); err != nil {
				t.Fatalf("answer %q: %v", body, err)
			}
			if r.Status != "completed" || len(r.Output) != 1 || r.Output[0].Content[0].Text != "Hello from acct-a" || r.Usage.InputTokens != 12 {
				t.Errorf("answer = %s", body)
			}
			if resp.Header.Get("X-Codex-Primary-Used-Percent") == "" {
				t.Error("x-codex headers missing from the collected answer")
			}
		})
	}
}

func TestV1ResponsesRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	for _, body := range []string{
		`not json`, `[]`, `{"model":"m"}`, `{"model":"m","input":42}`,
		`{"model":"m","input":"x","stream":"yes"}`, `{"model":"m","input":"x","instructions":7}`,
		`{"model":"m","input":"x","include":"one"}`,
	} {
		resp, got := e.do(e.request(context.Background(), "POST", "/v1/responses", body))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(got, "invalid_request_error") {
			t.Errorf("%s: got %d %q", body, resp.StatusCode, got)
		}
	}
	if n := len(e.backend.Requests()); n != 0 {
		t.Errorf("bad requests reached upstream: %d", n)
	}
}

func TestV1ResponsesCollectedFailsOverAnywhere(t *testing.T) {
	t.Parallel()
	// A stream=false client sees nothing until the end, so even an error
	// after output fails over.
	e := newEnv(t, 2)
	e.backend.Next("acct-a", codextest.Script{ErrorCode: "usage_limit_reached", FailAfter: 2})
	resp, body := e.do(e.request(context.Background(), "POST", "/v1/responses", `{"model":"m","input":"hi"}`))
	if resp.StatusCode != 200 || !strings.Contains(body, "Hello from acct-b") {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
}

const chatBody = `{"model":"gpt-5.1-codex","messages":[
	{"role":"system","content":"be terse"},
	{"role":"user","content":[{"type":"text","text":"hi"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AA"}}]},
	{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"ls","arguments":"{}"}}]},
	{"role":"tool","tool_call_id":"call_1","content":"a.txt"}
],"tools":[{"type":"function","function":{"name":"ls","description":"list","parameters":{"type":"object"}}}],
"tool_choice":{"type":"function","function":{"name":"ls"}},"reasoning_effort":"high","max_tokens":5%s}`

func TestChatCompletionsTranslatesRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	resp, body := e.do(e.request(context.Background(), "POST", "/v1/chat/completions", strings.Replace(chatBody, "%s", "", 1)))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %q", resp.StatusCode, body)
	}
	up := e.lastBody()
	if up["instructions"] != "be terse" || up["store"] != false || up["stream"] != true || up["model"] != "gpt-5.1-codex" {
		t.Errorf("upstream = %v", up)
	}
	input, _ := json.Marshal(up["input"])
	for _, want := range []string{
		`"text":"hi","type":"input_text"`, `"image_url":"data:image/png;base64,AA","type":"input_image"`,
		`"call_id":"call_1"`, `"type":"function_call"`, `"type":"function_call_output"`, `"output":"a.txt"`,
	} {
		if !strings.Contains(string(input), want) {
			t.Errorf("input lacks %s: %s", want, input)
		}
	}
	tools, _ := json.Marshal(up["tools"])
	choice, _ := json.Marshal(up["tool_choice"])
	reasoning, _ := json.Marshal(up["reasoning"])
	if !strings.Contains(string(tools), `"name":"ls"`) || string(choice) != `{"name":"ls","type":"function"}` ||
		!strings.Contains(string(reasoning), `"effort":"high"`) {
		t.Errorf("tools %s, tool_choice %s, reasoning %s", tools, choice, reasoning)
	}
}

func TestChatCompletionsNonStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	e.backend.Next("acct-a", codextest.Script{ToolCall: &codextest.ToolCall{Name: "ls", Arguments: `{"dir":"."}`}})
	resp, body := e.do(e.request(context.Background(), "POST", "/v1/chat/completions",
		`{"model":"gpt-5.1-codex","messages":[{"role":"user","content":"hi"}]}`))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %q", resp.StatusCode, body)
	}
	var c struct {
		Object  string `json:"object"`
		Model   string `json:"model"`
		Choices []struct {
			Message struct {
				Role      string  `json:"role"`
				Content   *string `json:"content"`
				ToolCalls []struct {
					ID       string `json:"id"`
					Function struct{ Name, Arguments string }
				} `json:"tool_calls"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			PromptTokens int `json:"prompt_tokens"`
		} `json:"usage"`
	}
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	ch := c.Choices[0]
	if c.Object != "chat.completion" || ch.Message.Role != "assistant" || ch.Message.Content == nil ||
		*ch.Message.Content != "Hello from acct-a" || ch.FinishReason != "tool_calls" || len(ch.Message.ToolCalls) != 1 ||
		ch.Message.ToolCalls[0].Function.Arguments != `{"dir":"."}` || c.Usage.PromptTokens != 12 {
		t.Errorf("answer = %s", body)
	}
}

func TestChatCompletionsStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 2)
	e.backend.SetLimited("acct-a", time.Hour) // failover is invisible here too
	e.backend.Next("acct-b", codextest.Script{ToolCall: &codextest.ToolCall{Name: "ls", Arguments: `{"a":1}`}})
	resp, body := e.do(e.request(context.Background(), "POST", "/v1/chat/completions",
		strings.Replace(chatBody, "%s", `,"stream":true,"stream_options":{"include_usage":true}`, 1)))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("got %d %v %q", resp.StatusCode, resp.Header, body)
	}
	data := sseData(body)
	if len(data) < 4 || data[len(data)-1] != "[DONE]" {
		t.Fatalf("stream = %q", body)
	}
	var text, args, finish, role string
	var usage int
	for _, d := range data[:len(data)-1] {
		var c struct {
			Object  string `json:"object"`
			Choices []struct {
				Delta struct {
					Role      string  `json:"role"`
					Content   *string `json:"content"`
					ToolCalls []struct {
						Function struct{ Arguments string }
					} `json:"tool_calls"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
			Usage *struct {
				TotalTokens int `json:"total_tokens"`
			} `json:"usage"`
		}
		if err := json.Unmarshal([]byte(d), &c); err != nil || c.Object != "chat.completion.chunk" {
			t.Fatalf("chunk %q: %v", d, err)
		}
		if c.Usage != nil {
			usage = c.Usage.TotalTokens
		}
		for _, ch := range c.Choices {
			if ch.Delta.Role != "" {
				role = ch.Delta.Role
			}
			if ch.Delta.Content != nil {
				text += *ch.Delta.Content
			}
			for _, tc := range ch.Delta.ToolCalls {
				args += tc.Function.Arguments
			}
			if ch.FinishReason != nil {
				finish = *ch.FinishReason
			}
		}
	}
	if role != "assistant" || text != "Hello from acct-b" || args != `{"a":1}` || finish != "tool_calls" || usage == 0 {
		t.Errorf("role %q text %q args %q finish %q usage %d", role, text, args, finish, usage)
	}
}

func TestChatCompletionsRejectsBadRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	for _, body := range []string{
		`nope`, `{"model":"m","messages":[]}`, `{"model":"m","messages":[{"role":"wizard","content":"x"}]}`,
		`{"model":"m","messages":[{"role":"user","content":5}]}`,
	} {
		resp, got := e.do(e.request(context.Background(), "POST", "/v1/chat/completions", body))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d %q", body, resp.StatusCode, got)
		}
	}
}

func TestChatCompletionsUpstreamErrorPassesAsJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 1)
	e.backend.Next("acct-a", codextest.Script{ErrorCode: "context_length_exceeded"})
	resp, body := e.do(e.request(context.Background(), "POST", "/v1/chat/completions",
		`{"model":"m","messages":[{"role":"user","content":"hi"}]}`))
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(body, "context_length_exceeded") {
		t.Errorf("got %d %q", resp.StatusCode, body)
	}
	e.checkLeasesReturned()
	if got := e.kinds(); !slices.Equal(got, []string{"q-a:rejected"}) {
		t.Errorf("reports = %v", got)
	}
}

func TestModels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 0)
	resp, body := e.do(e.request(context.Background(), "GET", "/v1/models", ""))
	var list struct {
		Object string `json:"object"`
		Data   []struct{ ID, Object string }
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || resp.StatusCode != 200 || list.Object != "list" {
		t.Fatalf("got %d %q", resp.StatusCode, body)
	}
	var ids []string
	for _, m := range list.Data {
		ids = append(ids, m.ID)
	}
	for _, want := range []string{"gpt-5.1-codex", "gpt-5.1-codex-mini", "gpt-5.1", "gpt-5-codex"} {
		if !slices.Contains(ids, want) {
			t.Errorf("models lack %s: %v", want, ids)
		}
	}
}
