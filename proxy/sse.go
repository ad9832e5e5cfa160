package proxy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// maxEventSize bounds one SSE event read from upstream.
const maxEventSize = 32 << 20

var errEventTooLarge = errors.New("upstream sent an SSE event larger than 32 MiB")

// sseEvent is one server-sent event as it came from upstream.
type sseEvent struct {
	raw  []byte // exactly as received, including the blank line that ended it
	name string // the event: field, or the data's "type" when there is none
	data []byte // the data: lines joined by newlines
}

// sseReader splits an SSE stream into events without changing their bytes.
type sseReader struct {
	br *bufio.Reader
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{br: bufio.NewReaderSize(r, 4<<10)}
}

// next returns the next event. An event cut short by the end of the stream
// is returned as it is; the following call returns io.EOF.
func (r *sseReader) next() (sseEvent, error) {
	var raw []byte
	lineStart := 0
	for {
		chunk, err := r.br.ReadSlice('\n')
		raw = append(raw, chunk...)
		if len(raw) > maxEventSize {
			return sseEvent{}, errEventTooLarge
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(bytes.TrimSpace(raw)) > 0 {
				return parseEvent(raw), nil
			}
			return sseEvent{}, err
		}
		line := raw[lineStart:]
		lineStart = len(raw)
		if len(bytes.TrimRight(line, "\r\n")) > 0 {
			continue
		}
		if len(bytes.TrimSpace(raw)) == 0 { // stray blank lines between events
			raw, lineStart = raw[:0], 0
			continue
		}
		return parseEvent(raw), nil
	}
}

func parseEvent(raw []byte) sseEvent {
	ev := sseEvent{raw: raw}
	rest := raw
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte{'\n'})
		line = bytes.TrimSuffix(line, []byte{'\r'})
		field, value, _ := bytes.Cut(line, []byte{':'})
		value = bytes.TrimPrefix(value, []byte{' '})
		switch string(field) {
		case "event":
			ev.name = string(value)
		case "data":
			if ev.data != nil {
				ev.data = append(ev.data, '\n')
			}
			ev.data = append(ev.data, value...)
		}
	}
	if ev.name == "" && len(ev.data) > 0 && ev.data[0] == '{' {
		var t struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(ev.data, &t) == nil {
			ev.name = t.Type
		}
	}
	return ev
}

// Event names that matter to the proxy.
const (
	evCreated        = "response.created"
	evCompleted      = "response.completed"
	evIncomplete     = "response.incomplete"
	evDone           = "response.done"
	evFailed         = "response.failed"
	evError          = "error"
	evOutputText     = "response.output_text.delta"
	evItemAdded      = "response.output_item.added"
	evItemDone       = "response.output_item.done"
	evArgumentsDelta = "response.function_call_arguments.delta"
)

// isOutputEvent reports whether an event carries output the user sees:
// the end of the holdback.
func isOutputEvent(name string) bool { return strings.HasSuffix(name, ".delta") }

// isTerminalEvent reports whether an event ends a response successfully.
func isTerminalEvent(name string) bool {
	return name == evCompleted || name == evIncomplete || name == evDone
}

// isErrorEvent reports whether an event reports a failed response.
func isErrorEvent(name string) bool { return name == evError || name == evFailed }
