package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// This file is the wire code that the floor server and the client share: a
// Content-Length frame reader, a frame writer and a tiny scanner that finds
// the top-level members of a JSON-RPC message. None of it reflects or
// allocates per message in steady state.

// maxFrame bounds a frame, so that a confused peer cannot make us allocate
// without limit.
const maxFrame = 256 << 20

// readFrame reads one Content-Length frame from br into buf (grown as
// needed) and returns the body, which is valid until the next call.
func readFrame(br *bufio.Reader, buf []byte) ([]byte, error) {
	size := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if err == io.EOF && size < 0 && len(line) == 0 {
				return nil, io.EOF
			}
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if size < 0 {
				continue // a stray blank line between frames
			}
			break
		}
		const name = "content-length:"
		if len(line) > len(name) && bytes.EqualFold(line[:len(name)], []byte(name)) {
			n, err := strconv.Atoi(string(bytes.TrimSpace(line[len(name):])))
			if err != nil || n < 0 || n > maxFrame {
				return nil, fmt.Errorf("bad Content-Length %q", line)
			}
			size = n
		}
	}
	if cap(buf) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if _, err := io.ReadFull(br, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

// appendHeader appends the header of a frame whose body has n bytes.
func appendHeader(dst []byte, n int) []byte {
	dst = append(dst, "Content-Length: "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, "\r\n\r\n"...)
}

// appendRequest appends a framed request (id >= 0) or notification (id < 0).
// The body's length is computed first, so that the body is written once,
// straight after its header.
func appendRequest(dst []byte, id int64, method string, params []byte) []byte {
	var idBuf [20]byte
	idText := strconv.AppendInt(idBuf[:0], id, 10)
	n := len(`{"jsonrpc":"2.0","method":""}`) + len(method)
	if id >= 0 {
		n += len(`,"id":`) + len(idText)
	}
	if params != nil {
		n += len(`,"params":`) + len(params)
	}
	dst = appendHeader(dst, n)
	dst = append(dst, `{"jsonrpc":"2.0"`...)
	if id >= 0 {
		dst = append(dst, `,"id":`...)
		dst = append(dst, idText...)
	}
	dst = append(dst, `,"method":"`...)
	dst = append(dst, method...)
	dst = append(dst, '"')
	if params != nil {
		dst = append(dst, `,"params":`...)
		dst = append(dst, params...)
	}
	return append(dst, '}')
}

// members holds the top-level members of a message that the floor and the
// client look at, as raw JSON (nil when absent). code is the "code" member,
// for when the scanned object is an error object.
type members struct {
	id, method, params, result, err, code []byte
}

var errNotObject = errors.New("not a JSON object")

// scan finds the top-level members of the JSON object in body. It trusts its
// input to be JSON (the floor is a floor, not a validator): it only follows
// strings and nesting to find where each value ends, and it finds the end of
// a string with bytes.IndexByte.
func scan(body []byte) (m members, err error) {
	i := skipWS(body, 0)
	if i >= len(body) || body[i] != '{' {
		return m, errNotObject
	}
	i++
	for {
		i = skipWS(body, i)
		if i >= len(body) {
			return m, errNotObject
		}
		switch body[i] {
		case '}':
			return m, nil
		case ',':
			i++
			continue
		case '"':
		default:
			return m, errNotObject
		}
		kend := skipString(body, i)
		if kend < 0 {
			return m, errNotObject
		}
		key := body[i+1 : kend-1]
		i = skipWS(body, kend)
		if i >= len(body) || body[i] != ':' {
			return m, errNotObject
		}
		vstart := skipWS(body, i+1)
		vend := skipValue(body, vstart)
		if vend < 0 {
			return m, errNotObject
		}
		v := body[vstart:vend:vend]
		switch string(key) {
		case "id":
			m.id = v
		case "method":
			m.method = v
		case "params":
			m.params = v
		case "result":
			m.result = v
		case "error":
			m.err = v
		case "code":
			m.code = v
		}
		i = vend
	}
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just after the string that starts at b[i],
// or -1.
func skipString(b []byte, i int) int {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		i += j
		k := i // an odd run of backslashes before the quote escapes it
		for b[k-1] == '\\' {
			k--
		}
		i++
		if (i-1-k)%2 == 0 {
			return i
		}
	}
}

// skipValue returns the index just after the value that starts at b[i], or
// -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				if i = skipString(b, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(b) {
		switch b[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i
		}
		i++
	}
	return i
}

// unquote returns the text of a JSON string without escapes (method names),
// or the raw bytes of any other value.
func unquote(v []byte) []byte {
	if len(v) >= 2 && v[0] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}
