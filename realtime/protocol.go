package realtime

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"
)

// The protocol: JSON text frames, described for client authors in docs/realtime.md.

// Errors an Access function returns.
var (
	// ErrForbidden: the person may not receive this topic (or it does not exist).
	ErrForbidden = errors.New("not allowed to subscribe to this topic")
	// ErrInvalidTopic: the topic is not one Nabij knows.
	ErrInvalidTopic = errors.New("unknown topic")
)

// Event is one row of the events table.
type Event struct {
	ID      int64
	Topic   string
	Type    string
	Data    json.RawMessage
	Created time.Time // when it was written, for the delivery lag
}

// accessChanged is the event after which subscriptions are checked again: on user:{id} all of
// that person's, elsewhere those of the event's topic and of the topics listed in its data.
const accessChanged = "access.changed"

// clientMessage is what a client sends: subscribe (with since, the last event id it saw) or
// unsubscribe.
type clientMessage struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
	Since *int64 `json:"since"`
}

// serverMessage is what the server sends besides events: subscribed, error and resync.
type serverMessage struct {
	Type    string `json:"type"`
	Topic   string `json:"topic,omitempty"`
	Code    string `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
}

// eventMessage is an event as sent: the same bytes for every subscriber.
type eventMessage struct {
	Type  string          `json:"type"`
	ID    int64           `json:"id"`
	Topic string          `json:"topic"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	// Time is when the change wrote the event, just before its commit: clients measure the
	// delay with it (the load command does).
	Time time.Time `json:"time"`
}

// The error codes.
const (
	codeForbidden   = "forbidden"
	codeInvalid     = "invalid"
	codeTooMany     = "too_many_subscriptions"
	codeUnavailable = "unavailable"
)

// frame encodes an event once, as the websocket frame every subscriber gets.
func (e *Event) frame() ([]byte, error) {
	data := e.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	b, err := json.Marshal(eventMessage{Type: "event", ID: e.ID, Topic: e.Topic, Event: e.Type, Data: data, Time: e.Created.UTC()})
	if err != nil {
		return nil, err
	}
	return textFrame(b), nil
}

// textFrame is a whole, unmasked text frame (RFC 6455 5.2), as a server sends it. Frames are
// written to the connection directly, one Write or writev for whole frames, so that one
// encoding serves every subscriber and a batch of queued frames takes one system call. A Write
// on a net.Conn is never interleaved with another (the descriptor's write lock), so gorilla's
// own control frames (pings, close) cannot land inside one.
func textFrame(payload []byte) []byte {
	n := len(payload)
	var f []byte
	switch {
	case n < 126:
		f = append(make([]byte, 0, 2+n), 0x81, byte(n))
	case n < 1<<16:
		f = append(make([]byte, 0, 4+n), 0x81, 126, byte(n>>8), byte(n))
	default:
		f = append(make([]byte, 0, 10+n), 0x81, 127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	return append(f, payload...)
}

// controlFrame is a whole, unmasked control frame: ping (0x9), pong (0xA) or close (0x8), with
// at most 125 bytes of payload.
func controlFrame(opcode byte, payload []byte) []byte {
	if len(payload) > 125 {
		payload = payload[:125]
	}
	return append([]byte{0x80 | opcode, byte(len(payload))}, payload...)
}

var pingFrame = controlFrame(0x9, nil)

// reply is a server message, as a frame.
func reply(m serverMessage) []byte {
	b, _ := json.Marshal(m) // strings only: cannot fail
	return textFrame(b)
}

func subscribed(topic string) []byte { return reply(serverMessage{Type: "subscribed", Topic: topic}) }

func resync(topic string) []byte { return reply(serverMessage{Type: "resync", Topic: topic}) }

func failure(code, topic, message string) []byte {
	return reply(serverMessage{Type: "error", Code: code, Topic: topic, Message: message})
}
