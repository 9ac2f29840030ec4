package main

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"sync"
	"time"
)

// serveFloor is the floor: the least a JSON-RPC server over stdio can do. It
// reads a Content-Length frame, finds the id, method and params with the
// tiny scanner, and answers with one Write per frame: echo (and any other
// request) gets its params back as the result; tick counts, with no reply;
// count answers the count; sleep {"ms":N} answers null after N ms unless a
// $/cancelRequest naming it comes first, which answers -32800. No
// reflection, no validation, no goroutine per message: anything a real
// server does beyond this is overhead, and the benchmark reports it as a
// ratio to this.
func serveFloor(in io.Reader, out io.Writer) error {
	br := bufio.NewReaderSize(in, 64<<10)
	f := &floor{out: out, sleeping: make(map[string]*time.Timer)}
	var body []byte
	for {
		b, err := readFrame(br, body)
		if err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		body = b
		m, err := scan(b)
		if err != nil {
			continue
		}
		switch string(unquote(m.method)) {
		case "tick":
			f.ticks++
		case "count":
			f.reply(m.id, strconv.AppendInt(nil, f.ticks, 10), false)
		case "sleep":
			f.sleep(m)
		case "$/cancelRequest":
			f.cancel(m)
		default:
			if m.id != nil {
				result := m.params
				if result == nil {
					result = []byte("null")
				}
				f.reply(m.id, result, false)
			}
		}
	}
}

type floor struct {
	ticks int64

	mu       sync.Mutex // guards what follows: sleep timers answer from their own goroutines
	out      io.Writer
	buf      []byte
	sleeping map[string]*time.Timer // by id text
}

// reply writes one frame: the result, or error -32800 with cancelled.
func (f *floor) reply(id, result []byte, cancelled bool) {
	body := len(`{"jsonrpc":"2.0","id":,"result":}`) + len(id) + len(result)
	const cancelErr = `,"error":{"code":-32800,"message":"Request cancelled"}}`
	if cancelled {
		body = len(`{"jsonrpc":"2.0","id":`) + len(id) + len(cancelErr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b := appendHeader(f.buf[:0], body)
	b = append(b, `{"jsonrpc":"2.0","id":`...)
	b = append(b, id...)
	if cancelled {
		b = append(b, cancelErr...)
	} else {
		b = append(b, `,"result":`...)
		b = append(b, result...)
		b = append(b, '}')
	}
	f.buf = b
	if _, err := f.out.Write(b); err != nil {
		os.Exit(0) // the client has gone
	}
}

// sleep answers null after params.ms milliseconds, unless cancelled first.
func (f *floor) sleep(m members) {
	p, _ := scanObject(m.params)
	ms, _ := strconv.Atoi(string(p["ms"]))
	id := string(m.id)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeping[id] = time.AfterFunc(time.Duration(ms)*time.Millisecond, func() {
		f.mu.Lock()
		_, ok := f.sleeping[id]
		delete(f.sleeping, id)
		f.mu.Unlock()
		if ok {
			f.reply([]byte(id), []byte("null"), false)
		}
	})
}

// cancel answers a sleeping request -32800 at once.
func (f *floor) cancel(m members) {
	p, _ := scanObject(m.params)
	id := string(p["id"])
	f.mu.Lock()
	t, ok := f.sleeping[id]
	delete(f.sleeping, id)
	f.mu.Unlock()
	if ok { // whoever takes it out of the map answers it
		t.Stop()
		f.reply([]byte(id), nil, true)
	}
}

// scanObject returns the members of a small JSON object by name (for the
// params of the rare methods; the hot path uses scan).
func scanObject(b []byte) (map[string][]byte, error) {
	out := make(map[string][]byte)
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return out, errNotObject
	}
	for i++; ; {
		i = skipWS(b, i)
		if i >= len(b) || b[i] == '}' {
			return out, nil
		}
		if b[i] == ',' {
			i++
			continue
		}
		kend := skipString(b, i)
		if kend < 0 {
			return out, errNotObject
		}
		key := string(b[i+1 : kend-1])
		i = skipWS(b, kend)
		if i >= len(b) || b[i] != ':' {
			return out, errNotObject
		}
		vs := skipWS(b, i+1)
		ve := skipValue(b, vs)
		if ve < 0 {
			return out, errNotObject
		}
		out[key] = b[vs:ve]
		i = ve
	}
}
