package conn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/lspkit/lspkit/framing"
)

// This file writes the JSON of outgoing messages by hand: the envelope is
// fixed, so appending its pieces to a reused buffer beats reflection.

// An outgoing message is built in a frame: a buffer from getBuf, which
// starts with frameRoom bytes of room for the framing's header, and the
// message after it. Where the framing can put its header there
// (framing.InPlaceWriter), a message written alone goes out from its frame
// as it is, with no copy (see writeFrames).
const frameRoom = framing.HeaderRoom

// Frames come from two pools, and go back to them once written: small
// frames, which every message starts in, and large ones, over maxSmallFrame,
// which only messages that large move to (see growFrame). So a stream of
// large messages (a large file's text, sent again as it changes) reuses its
// frames: a new one each time would cost the allocation and zeroing of that
// much memory, and garbage for the GC — more than encoding the message. And
// a large frame never carries a small message, so once large messages stop,
// the pool lets go of it within two garbage collections.
var (
	smallFrames = sync.Pool{New: func() any { b := make([]byte, frameRoom, 512); return &b }}
	largeFrames sync.Pool
)

const (
	// maxSmallFrame is the largest small frame: more than most messages take.
	maxSmallFrame = 64 << 10
	// maxLargeFrame is the largest frame that is pooled at all; a larger one
	// is dropped once written, so that one huge message does not pin memory.
	maxLargeFrame = 4 << 20
)

// getBuf returns an empty frame: frameRoom bytes of room, for the message to
// be appended to.
func getBuf() *[]byte { return smallFrames.Get().(*[]byte) }

// frameBody returns the message in a frame.
func frameBody(b *[]byte) []byte { return (*b)[frameRoom:] }

// putBuf gives back a frame that has been written (or will never be).
func putBuf(b *[]byte) {
	switch c := cap(*b); {
	case c > maxLargeFrame:
		return
	case c > maxSmallFrame:
		*b = (*b)[:frameRoom]
		largeFrames.Put(b)
	default:
		*b = (*b)[:frameRoom]
		smallFrames.Put(b)
	}
}

// growFrame returns dst, the buffer of a frame, with room for n more bytes.
// A message that outgrows a small frame moves, once, to a large frame from
// the pool, or else to a new buffer of the size it needs: its bytes are
// copied once, rather than into ever larger buffers that are garbage at
// once.
func growFrame(dst []byte, n int) []byte {
	need := len(dst) + n
	if need <= cap(dst) {
		return dst
	}
	if need > maxSmallFrame {
		if p, _ := largeFrames.Get().(*[]byte); p != nil && cap(*p) >= need {
			return append((*p)[:0], dst...)
		}
	}
	return slices.Grow(dst, n)
}

// appendString appends s as a JSON string. Bytes that are not valid UTF-8
// become U+FFFD, so that what we send is valid UTF-8 whatever we were given.
func appendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// encodeValue returns v as JSON. A json.RawMessage is used as it is once
// checked, so that a handler can hand back bytes it already has.
func encodeValue(v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return []byte("null"), nil
	case json.RawMessage:
		if v == nil {
			return []byte("null"), nil
		}
		if !validJSON(v) || !isASCII(v) && !utf8.Valid(v) {
			return nil, fmt.Errorf("invalid JSON in json.RawMessage (%d bytes)", len(v))
		}
		return v, nil
	}
	return json.Marshal(v)
}

const version = `{"jsonrpc":"2.0"`

// appendResult appends a success response to a frame's buffer. It makes
// room for the whole response first (see growFrame).
func appendResult(dst []byte, id ID, result []byte) []byte {
	dst = growFrame(dst, len(version)+idSize(id)+len(`,"result":`)+len(result)+1)
	dst = append(dst, version...)
	dst = appendID(dst, id)
	dst = append(dst, `,"result":`...)
	dst = append(dst, result...)
	return append(dst, '}')
}

// appendError appends an error response.
func appendError(dst []byte, id ID, e *Error) []byte {
	dst = append(dst, version...)
	dst = appendID(dst, id)
	dst = append(dst, `,"error":{"code":`...)
	dst = strconv.AppendInt(dst, e.Code, 10)
	dst = append(dst, `,"message":`...)
	dst = appendString(dst, e.Message)
	if len(e.Data) > 0 {
		dst = append(dst, `,"data":`...)
		if validJSON(e.Data) && (isASCII(e.Data) || utf8.Valid(e.Data)) {
			dst = append(dst, e.Data...)
		} else {
			dst = appendString(dst, string(e.Data))
		}
	}
	return append(dst, '}', '}')
}

// appendRequest appends a request (with an id) or a notification (without).
// params is raw JSON or nil. Like appendResult, it makes room first.
func appendRequest(dst []byte, id ID, method string, params []byte) []byte {
	dst = growFrame(dst, len(version)+idSize(id)+len(`,"method":""`)+len(method)+len(`,"params":`)+len(params)+1)
	dst = append(dst, version...)
	if id.IsValid() {
		dst = appendID(dst, id)
	}
	dst = append(dst, `,"method":`...)
	dst = appendString(dst, method)
	if params != nil {
		dst = append(dst, `,"params":`...)
		dst = append(dst, params...)
	}
	return append(dst, '}')
}

// idSize is the most that appendID appends.
func idSize(id ID) int { return len(`,"id":null`) + len(id.raw) }

// appendID appends the id member; a response to a message whose id could
// not be read carries null.
func appendID(dst []byte, id ID) []byte {
	dst = append(dst, `,"id":`...)
	if !id.IsValid() {
		return append(dst, "null"...)
	}
	return append(dst, id.raw...)
}

// encodeParams returns params as raw JSON, or nil for none. Params must
// encode to an object or an array, as JSON-RPC requires.
func encodeParams(params any) ([]byte, error) {
	if params == nil {
		return nil, nil
	}
	b, err := encodeValue(params)
	if err != nil {
		return nil, err
	}
	switch kindOf(b[skipSpace(b, 0):]) {
	case kindObject, kindArray:
		return b, nil
	case kindNull:
		return nil, nil
	}
	return nil, fmt.Errorf("params must encode to a JSON object or array, not %.20s", b)
}
