package proxy

import "encoding/json"

// Responses API shapes the proxy reads from upstream events. Only the fields
// it needs; unknown ones are kept as they are wherever bodies pass through.

type respEvent struct {
	Type        string      `json:"type"`
	Delta       string      `json:"delta"`
	ItemID      string      `json:"item_id"`
	OutputIndex int         `json:"output_index"`
	Item        *respItem   `json:"item"`
	Response    *respObject `json:"response"`
	// error events carry these at the top level or under "error"
	Code    flexString   `json:"code"`
	Message string       `json:"message"`
	Error   *upstreamErr `json:"error"`
}

type respItem struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Role      string `json:"role"`
	CallID    string `json:"call_id"`
	Name      string `json:"name"`
	Arguments string `json:"arguments"`
	Content   []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
}

type respObject struct {
	ID                string       `json:"id"`
	Model             string       `json:"model"`
	Status            string       `json:"status"`
	CreatedAt         int64        `json:"created_at"`
	Usage             *respUsage   `json:"usage"`
	Error             *upstreamErr `json:"error"`
	IncompleteDetails *struct {
		Reason string `json:"reason"`
	} `json:"incomplete_details"`
}

type respUsage struct {
	InputTokens        int64 `json:"input_tokens"`
	InputTokensDetails *struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	OutputTokens        int64 `json:"output_tokens"`
	OutputTokensDetails *struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
	TotalTokens int64 `json:"total_tokens"`
}

func (u *respUsage) tokenUsage() *TokenUsage {
	if u == nil {
		return nil
	}
	t := &TokenUsage{InputTokens: u.InputTokens, OutputTokens: u.OutputTokens, TotalTokens: u.TotalTokens}
	if u.InputTokensDetails != nil {
		t.CachedInputTokens = u.InputTokensDetails.CachedTokens
	}
	if u.OutputTokensDetails != nil {
		t.ReasoningTokens = u.OutputTokensDetails.ReasoningTokens
	}
	if t.TotalTokens == 0 {
		t.TotalTokens = t.InputTokens + t.OutputTokens
	}
	return t
}

// upstreamErr is the error object of a 4xx/5xx body or a failed response.
type upstreamErr struct {
	Type            string      `json:"type"`
	Code            flexString  `json:"code"`
	Message         string      `json:"message"`
	ResetsAt        json.Number `json:"resets_at"`
	ResetsInSeconds json.Number `json:"resets_in_seconds"`
}

// flexString accepts a JSON string, number or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*f = flexString(s)
		return nil
	}
	if string(b) == "null" {
		*f = ""
		return nil
	}
	*f = flexString(b)
	return nil
}

func decodeEvent(data []byte) (respEvent, bool) {
	var ev respEvent
	return ev, json.Unmarshal(data, &ev) == nil
}
