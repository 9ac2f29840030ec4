package main

// This file is `lspkit inspect`: a transparent proxy between an editor and
// a server that records every message in a log.
//
// The bytes are relayed as they come, unparsed and unchanged, by one
// goroutine each way. Each chunk read is also handed, as a copy, to a
// recorder, which parses frames on the side and writes the log. The hand-off
// never blocks: if the recorder falls behind by more than tapQueueBytes or
// tapQueueChunks, chunks are dropped from the log (never from the relay), a
// line says how many bytes went unrecorded, and parsing resumes at the next
// frame that can be found.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"github.com/spf13/cobra"
)

// How far the recorder may fall behind the relay before chunks are left out
// of the log.
const (
	tapQueueBytes  = 16 << 20
	tapQueueChunks = 4096
)

// relayBufferSize is the size of each relay's read buffer.
const relayBufferSize = 32 << 10

// inspectFlags are the flags of `lspkit inspect`.
type inspectFlags struct {
	log     string
	framing string
}

func newInspect() *cobra.Command {
	var f inspectFlags
	cmd := &cobra.Command{
		Use:   "inspect --log FILE [flags] -- SERVER [ARGS...]",
		Short: "Relay an editor and a server unchanged, recording every message",
		Long: `Run SERVER ARGS... and relay our stdin to its stdin and its stdout to our
stdout, byte for byte: configure the editor to launch lspkit inspect (with
its arguments) in place of the server. The server's stderr goes to ours.

Every message is recorded in FILE (created or truncated) as one JSON line:

  {"dir":"client->server","time":"2006-01-02T15:04:05.999999999Z","msg":{...}}
  {"dir":"server->client","time":"...","msg":{...},"latency_ms":1.25}

latency_ms, on replies, is the time since the request they answer passed the
other way. A frame that cannot be read gives a line with "error" (and, for a
body that is not JSON, "raw": the body as a string). If recording falls
behind, the relay does not wait: some bytes go unrecorded, a line with
"dropped_bytes" says how many, and recording resumes at the next frame.

When our stdin ends, the server's stdin is closed; SIGINT, SIGTERM and SIGHUP
are passed on to the server; lspkit inspect exits when the server does, with
its exit status (128+N if signal N killed it). --framing only says how to
parse what passes, for the log: the relay is the same either way.`,
		Example: `  lspkit inspect --log /tmp/session.jsonl -- gopls serve
  lspkit inspect --log arith.jsonl --framing line -- lspkit serve arith --framing line
  lspkit call --method subtract --params '[42,23]' -- lspkit inspect --log s.jsonl -- lspkit serve arith`,
		RunE: func(cmd *cobra.Command, args []string) error {
			argv, err := serverArgs(cmd, args, 0)
			if err != nil {
				return err
			}
			return runInspect(cmd, &f, argv)
		},
	}
	cmd.Flags().StringVar(&f.log, "log", "", "record the messages in this file, one JSON line each (required)")
	cmd.Flags().StringVar(&f.framing, "framing", "header", framingUsage)
	_ = cmd.MarkFlagRequired("log") // the flag exists
	return cmd
}

// runInspect relays until the server exits and returns its exit status.
func runInspect(cmd *cobra.Command, f *inspectFlags, argv []string) error {
	fr, err := framerByName(f.framing)
	if err != nil {
		return err
	}
	logFile, err := os.Create(f.log)
	if err != nil {
		return err
	}
	defer logFile.Close()
	srv, err := startServer(argv, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer srv.Release()
	defer forwardSignals(srv)()

	rec := newRecorder(fr, f.framing, logFile, cmd.ErrOrStderr(), tapQueueBytes, tapQueueChunks)
	go func() {
		relay(srv, cmd.InOrStdin(), rec, clientToServer) // to its stdin
		srv.CloseStdin()                                 // the client is done: let the server see it
	}()
	relayed := make(chan struct{})
	go func() {
		relay(cmd.OutOrStdout(), srv, rec, serverToClient) // from its stdout
		close(relayed)
	}()

	exit, err := srv.Wait(context.Background()) // the server decides when we end
	if err != nil {
		return err
	}
	// What the server wrote before it exited is still in the pipe: relay it
	// all, unless something it started keeps the pipe open.
	select {
	case <-relayed:
	case <-time.After(waitDelay):
		srv.Release() // closes our end of its stdout
		<-relayed
	}
	rec.close()
	if exit.Code != 0 {
		return exitCode(exit.Code)
	}
	return nil
}

// forwardSignals passes the signals that ask a process to end on to the
// server, so that it decides when we end. It also turns SIGPIPE into an
// error on write, so that an editor gone away does not kill us before the
// server. It returns a function that stops both.
func forwardSignals(srv *conn.Process) (stop func()) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				_ = srv.Signal(sig) // it may have exited meanwhile
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(sigs)
		signal.Stop(pipe)
		close(done)
	}
}

// relay copies src to dst as it comes, showing each chunk to the recorder
// first (so that a request is queued for the log before the server can
// answer it). When dst fails, it goes on reading src, and recording, so
// that the writer of src never blocks on a full pipe.
func relay(dst io.Writer, src io.Reader, rec *recorder, dir direction) {
	buf := make([]byte, relayBufferSize)
	dstOK := true
	for {
		n, err := src.Read(buf)
		if n > 0 {
			rec.tap(dir, buf[:n], time.Now())
			if dstOK {
				_, werr := dst.Write(buf[:n])
				dstOK = werr == nil
			}
		}
		if err != nil {
			return
		}
	}
}

// direction is which way bytes pass.
type direction int

const (
	clientToServer direction = iota
	serverToClient
)

// String returns the direction as the log spells it.
func (d direction) String() string {
	if d == clientToServer {
		return "client->server"
	}
	return "server->client"
}

// logEntry is one line of the log. replay reads it back.
type logEntry struct {
	Dir       string          `json:"dir"`
	Time      string          `json:"time"`
	Msg       json.RawMessage `json:"msg,omitempty"`
	LatencyMS *float64        `json:"latency_ms,omitempty"`
	Raw       string          `json:"raw,omitempty"`
	Error     string          `json:"error,omitempty"`
	Dropped   int64           `json:"dropped_bytes,omitempty"`
}

// chunk is bytes that passed one way, and when.
type chunk struct {
	dir     direction
	data    []byte
	time    time.Time
	dropped int64 // bytes of this direction left out of the log just before this chunk
	prev    byte  // the last of those bytes, to tell if this chunk starts a line
}

// recorder parses the chunks it is shown into messages and logs them.
//
// One goroutine (run) takes the chunks in the order they passed, both ways,
// and feeds each to the parser of its direction. framing.Reader pulls its
// input while the recorder pushes it, so each parser reads on a goroutine of
// its own, and feed waits until the parser asks for more input, that is,
// until every message the chunk completes has been logged. Only one parser
// works at a time, so messages are logged, and replies matched to
// requests, in the order in which they passed.
type recorder struct {
	framer  framing.Framer
	framing string // its name, to find frame starts after a gap

	mu      sync.RWMutex // guards closed against sends on queue
	closed  bool
	queue   chan chunk
	queued  atomic.Int64 // bytes in queue
	limit   int64
	dropped [2]int64 // per direction; only that direction's relay touches it
	prev    [2]byte  // the last byte dropped, per direction, likewise

	parsers [2]*tapParser
	pending map[string]time.Time // when requests still unanswered passed: by direction and id
	log     *logWriter
	done    chan struct{}
}

// newRecorder starts a recorder that writes the log to w (and a warning to
// warn if writing fails), keeping at most limitBytes and limitChunks
// waiting.
func newRecorder(fr framing.Framer, name string, w io.Writer, warn io.Writer, limitBytes int64, limitChunks int) *recorder {
	r := &recorder{
		framer:  fr,
		framing: name,
		queue:   make(chan chunk, limitChunks),
		limit:   limitBytes,
		pending: make(map[string]time.Time),
		log:     newLogWriter(w, warn),
		done:    make(chan struct{}),
	}
	r.parsers[clientToServer] = r.newParser(clientToServer, false)
	r.parsers[serverToClient] = r.newParser(serverToClient, false)
	go r.run()
	return r
}

// tap shows the recorder a chunk that passed. It never blocks: when the
// recorder is too far behind, the chunk is left out and counted.
func (r *recorder) tap(dir direction, data []byte, now time.Time) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return
	}
	n := int64(len(data))
	if r.queued.Load()+n <= r.limit {
		c := chunk{dir: dir, data: bytes.Clone(data), time: now, dropped: r.dropped[dir], prev: r.prev[dir]}
		select {
		case r.queue <- c:
			r.queued.Add(n)
			r.dropped[dir] = 0
			return
		default:
		}
	}
	r.dropped[dir] += n
	r.prev[dir] = data[len(data)-1]
}

// close logs what is still queued, ends the parsers (a message cut short
// by the end of input is logged as such) and flushes the log.
func (r *recorder) close() {
	r.mu.Lock()
	r.closed = true
	close(r.queue)
	r.mu.Unlock()
	<-r.done
}

// run feeds the chunks to the parsers, in order, until close.
func (r *recorder) run() {
	defer close(r.done)
	for c := range r.queue {
		r.queued.Add(-int64(len(c.data)))
		if c.dropped > 0 {
			r.restart(c)
		}
		r.parsers[c.dir].feed(c)
		if len(r.queue) == 0 {
			r.log.flush() // keep the log current for whoever follows it
		}
	}
	for _, p := range r.parsers {
		p.end()
	}
	r.log.flush()
}

// restart replaces the parser of a direction whose input had a gap: it
// logs the gap and starts a parser that looks for the next frame.
func (r *recorder) restart(c chunk) {
	old := r.parsers[c.dir]
	old.cut = true
	old.end()
	r.log.write(logEntry{
		Dir:     c.dir.String(),
		Time:    c.time.Format(time.RFC3339Nano),
		Error:   fmt.Sprintf("recording fell behind: %d bytes passed unrecorded", c.dropped),
		Dropped: c.dropped,
	})
	r.parsers[c.dir] = r.newParser(c.dir, true)
}

// message logs one message, with its latency if it is a reply.
func (r *recorder) message(dir direction, t time.Time, body []byte) {
	e := logEntry{Dir: dir.String(), Time: t.Format(time.RFC3339Nano)}
	var msg bytes.Buffer
	if err := json.Compact(&msg, body); err != nil {
		e.Raw = string(bytes.ToValidUTF8(body, []byte("\uFFFD")))
		e.Error = "not JSON: " + err.Error()
		r.log.write(e)
		return
	}
	e.Msg = bytes.ToValidUTF8(msg.Bytes(), []byte("\uFFFD"))
	if d, ok := r.match(dir, t, e.Msg); ok {
		ms := float64(d.Microseconds()) / 1000
		e.LatencyMS = &ms
	}
	r.log.write(e)
}

// envelopeFields are the members of a message that matching looks at.
type envelopeFields struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// match remembers the requests in msg (a message or a batch) and reports
// how long ago the request that a reply in msg answers passed the other way.
func (r *recorder) match(dir direction, t time.Time, msg []byte) (time.Duration, bool) {
	var elems []envelopeFields
	if msg[0] == '[' {
		_ = json.Unmarshal(msg, &elems) // elements that are not objects stay zero
	} else {
		elems = make([]envelopeFields, 1)
		_ = json.Unmarshal(msg, &elems[0])
	}
	var latency time.Duration
	found := false
	for _, m := range elems {
		switch {
		case len(m.ID) == 0:
		case m.Method != "":
			r.pending[dir.String()+" "+string(m.ID)] = t
		case m.Result != nil || m.Error != nil:
			key := (1 - dir).String() + " " + string(m.ID)
			if sent, ok := r.pending[key]; ok {
				delete(r.pending, key)
				if !found { // the elements of a batch were sent at once
					latency, found = t.Sub(sent), true
				}
			}
		}
	}
	return latency, found
}

// tapParser reads the messages of one direction; see recorder.
type tapParser struct {
	dir    direction
	rec    *recorder
	in     chan chunk    // the next chunk
	hungry chan struct{} // the parser wants more: the last chunk is done with
	exited chan struct{}
	cut    bool // the input was cut by a gap: an unfinished message is no news

	// Used by the parser's goroutine only.
	cur     []byte    // what is left of the chunk being read
	time    time.Time // when that chunk passed
	started bool      // a chunk has been received
	resync  bool      // skip input until a frame starts
}

// newParser starts a parser; with resync, it first skips to a frame start.
func (r *recorder) newParser(dir direction, resync bool) *tapParser {
	p := &tapParser{
		dir: dir, rec: r, resync: resync,
		in: make(chan chunk), hungry: make(chan struct{}), exited: make(chan struct{}),
	}
	go p.run()
	return p
}

// feed hands the parser a chunk and waits until it is done with it.
func (p *tapParser) feed(c chunk) {
	p.in <- c
	select {
	case <-p.hungry:
	case <-p.exited:
	}
}

// end tells the parser its input has ended and waits for it to finish.
func (p *tapParser) end() {
	close(p.in)
	<-p.exited
}

// run reads and logs messages until the input ends.
func (p *tapParser) run() {
	defer close(p.exited)
	rd := p.rec.framer.NewReader(p)
	for {
		body, err := rd.ReadMessage()
		var fe *framing.Error
		switch {
		case err == nil:
			p.rec.message(p.dir, p.time, body)
		case errors.As(err, &fe):
			p.rec.log.write(logEntry{Dir: p.dir.String(), Time: p.time.Format(time.RFC3339Nano), Error: fe.Error()})
		default:
			if errors.Is(err, io.ErrUnexpectedEOF) && !p.cut {
				p.rec.log.write(logEntry{Dir: p.dir.String(), Time: p.time.Format(time.RFC3339Nano),
					Error: "the stream ended inside a message"})
			}
			return
		}
	}
}

// Read gives the framing reader the chunks as they are fed; it is where
// the parser tells feed that it wants more.
func (p *tapParser) Read(b []byte) (int, error) {
	for len(p.cur) == 0 {
		if p.started {
			p.hungry <- struct{}{}
		}
		c, ok := <-p.in
		if !ok {
			return 0, io.EOF
		}
		p.started = true
		p.cur, p.time = c.data, c.time
		if p.resync {
			p.skipToFrame(c.prev)
		}
	}
	n := copy(b, p.cur)
	p.cur = p.cur[n:]
	return n, nil
}

// skipToFrame drops the start of the current chunk up to where a frame
// starts, if one does; prev is the byte before the chunk.
func (p *tapParser) skipToFrame(prev byte) {
	var i int
	if p.rec.framing == "line" {
		// A frame starts after a newline: perhaps the one before the chunk.
		i = bytes.IndexByte(append([]byte{prev}, p.cur...), '\n')
	} else {
		// A header block starts with a header, and bodies are not followed
		// by a newline: look for Content-Length, which LSP clients send
		// first, anywhere.
		i = bytes.Index(bytes.ToLower(p.cur), []byte("content-length:"))
	}
	if i < 0 {
		p.cur = nil
		return
	}
	p.cur = p.cur[i:]
	p.resync = false
}

// logWriter writes log lines, buffered. It is safe for concurrent use. If
// writing fails, it says so once and writes nothing more: the relay goes
// on regardless.
type logWriter struct {
	mu     sync.Mutex
	bw     *bufio.Writer
	enc    *json.Encoder
	warn   io.Writer
	failed bool
}

func newLogWriter(w, warn io.Writer) *logWriter {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // keep messages as readable as they were
	return &logWriter{bw: bw, enc: enc, warn: warn}
}

// write writes one entry as one line.
func (l *logWriter) write(e logEntry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.failed {
		l.check(l.enc.Encode(e))
	}
}

// flush writes out what is buffered.
func (l *logWriter) flush() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.failed {
		l.check(l.bw.Flush())
	}
}

// check records a write error.
func (l *logWriter) check(err error) {
	if err != nil {
		l.failed = true
		fmt.Fprintln(l.warn, "lspkit inspect: writing the log failed; no more is recorded:", err)
	}
}
