package main

// This file is `lspkit replay`: play the client's side of a recording made
// by `lspkit inspect` against a server, and report how the server's side
// differs from the recording.
//
// The parts: loading the recording into steps (what the client sent, and
// which replies it had before each send), running them against the server
// (sending with ids of our own, answering the server's requests from the
// recording), and comparing what came back with what was recorded.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"github.com/spf13/cobra"
)

// settleTime is how long replay waits, once every reply has come, for the
// server notifications and requests the recording has but the replay does
// not yet: they may come late, as diagnostics do.
const settleTime = time.Second

// exitGrace bounds the wait for the server to exit once its input is closed.
const exitGrace = 5 * time.Second

// replayFlags are the flags of `lspkit replay`.
type replayFlags struct {
	ignore  []string
	framing string
	timeout time.Duration
}

func newReplay() *cobra.Command {
	var f replayFlags
	cmd := &cobra.Command{
		Use:   "replay FILE [--ignore PATTERN]... [flags] -- SERVER [ARGS...]",
		Short: "Replay a recorded session against a server and report what differs",
		Long: `Start SERVER ARGS..., send it what the client sent in FILE, a recording made
by lspkit inspect, and compare what the server sends back with what it sent
then. The report goes to stdout; the exit status is 0 when nothing differs,
1 when something does (or the replay could not be run).

The client's messages are sent in the recorded order. Before each, replay
waits for the replies the client had received before it sent it in the
recording (so "initialized" follows the reply to "initialize"), bounded by
--timeout, which bounds the whole run. Requests are sent with ids of our own,
mapped to the recorded ones: replies are matched by request, not position,
and a "$/cancelRequest" names the id we used. Requests from the server
(workspace/configuration, say) are answered with the client's recorded reply
to the same request: same method and params, or failing that the next
recorded one of that method. Notifications, requests from the server and
replies to no request are compared regardless of order, by method and
content. Once all replies are in, replay waits up to 1s for whatever else
the recording says should come; then it closes the server's stdin and waits
(up to 5s) for the server to exit.

--ignore PATTERN leaves out of every comparison the parts of messages that
PATTERN names: a path of member names and array indexes, separated by dots,
from the top of a message, whose "id" and "jsonrpc" are never compared:

  result.serverInfo.version   that member of a reply's result
  params.token                that member of a notification's or request's params
  result.items.0              the first element of an array
  result.items.*.id           * is any one member name or index
  **.timestamp                ** is any number of them, none included

A pattern covers the value it names and everything inside it, and a member
it names may be missing on either side. Repeat --ignore for more patterns.
Paths in the report are written the same way.`,
		Example: `  lspkit replay session.jsonl -- lspkit serve arith
  lspkit replay session.jsonl --ignore result.serverInfo.version --ignore '**.timestamp' -- gopls serve
  lspkit replay s.jsonl --framing line --timeout 1m -- lspkit serve arith --framing line`,
		RunE: func(cmd *cobra.Command, args []string) error {
			argv, err := serverArgs(cmd, args, 1)
			if err != nil {
				return err
			}
			return runReplay(cmd, &f, args[0], argv)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.ignore, "ignore", nil, "leave out of comparisons what this path names (repeatable; see above)")
	fl.StringVar(&f.framing, "framing", "header", framingUsage)
	fl.DurationVar(&f.timeout, "timeout", 30*time.Second, "bound on the whole run")
	return cmd
}

// runReplay loads, replays and reports.
func runReplay(cmd *cobra.Command, f *replayFlags, file string, argv []string) error {
	ign, err := parsePatterns(f.ignore)
	if err != nil {
		return err
	}
	fr, err := framerByName(f.framing)
	if err != nil {
		return err
	}
	rec, err := loadRecording(file)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), f.timeout)
	defer cancel()
	srv, err := startServer(argv, cmd.ErrOrStderr())
	if err != nil {
		return err
	}
	defer srv.Release()
	// When time is up, killing the server unblocks whatever waits on it.
	stop := context.AfterFunc(ctx, func() { _ = srv.Signal(os.Kill) })
	defer stop()

	r := newReplayer(rec, ign, fr, srv)
	r.run(ctx, srv)
	rep := r.report(file)
	if _, err := io.WriteString(cmd.OutOrStdout(), rep.String()); err != nil {
		return err
	}
	if rep.differences > 0 {
		return exitCode(1)
	}
	return nil
}

// msgKind says what a message is.
type msgKind int

const (
	kindInvalid msgKind = iota // not a JSON-RPC message
	kindRequest
	kindNotification
	kindReply
)

// rpcMessage is one message, recorded or received; each element of a batch is
// one.
type rpcMessage struct {
	line   int // in the recording; 0 for what the server sent now
	kind   msgKind
	id     string // the id's JSON text, for requests and replies
	method string
	body   json.RawMessage // the whole message, compact

	reply *rpcMessage // a recorded request's recorded reply

	sentID string          // a client request's id, as we sent it
	got    json.RawMessage // the reply the server gave to a client request

	pair *rpcMessage // the message it was paired with by matching
}

// parseMessage classifies one message.
func parseMessage(body json.RawMessage, line int) *rpcMessage {
	m := &rpcMessage{line: line, body: body}
	var f envelopeFields
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &f) != nil {
		return m
	}
	m.id, m.method = string(f.ID), f.Method
	switch {
	case f.Method != "" && m.id != "":
		m.kind = kindRequest
	case f.Method != "":
		m.kind = kindNotification
	case m.id != "" && (f.Result != nil || f.Error != nil):
		m.kind = kindReply
	}
	return m
}

// elements returns the messages of a frame: the elements of a batch, or the
// frame itself.
func elements(body json.RawMessage) []json.RawMessage {
	if len(body) > 0 && body[0] == '[' {
		var elems []json.RawMessage
		if json.Unmarshal(body, &elems) == nil {
			return elems
		}
	}
	return []json.RawMessage{body}
}

// replayStep is one frame the client sent.
type replayStep struct {
	line    int
	msgs    []*rpcMessage // its messages, but replies: those are sent when the server asks
	batch   bool          // send msgs as a batch
	raw     []byte        // or: a body that was not JSON, to send as it was
	waitFor []*rpcMessage // requests whose replies the client had when it sent this, and not before the previous step
}

// recording is what replay needs from a recording.
type recording struct {
	steps      []*replayStep
	requests   []*rpcMessage // the client's requests, in order
	serverReqs []*rpcMessage // the server's requests, in order
	others     []*rpcMessage // the server's notifications, replies to no client request, and invalid messages
	skipped    []string      // lines that cannot be replayed, and why
}

// loadRecording reads a recording made by inspect.
func loadRecording(path string) (*recording, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	l := &recordingLoader{rec: &recording{}, openClient: map[string]*rpcMessage{}, openServer: map[string]*rpcMessage{}}
	for i, text := range strings.Split(string(data), "\n") {
		if strings.TrimSpace(text) == "" {
			continue
		}
		var e logEntry
		if err := json.Unmarshal([]byte(text), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: not a line of a recording: %w", path, i+1, err)
		}
		if err := l.add(i+1, &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, i+1, err)
		}
	}
	if len(l.rec.steps) == 0 {
		return nil, fmt.Errorf("%s: the client sends nothing in this recording", path)
	}
	return l.rec, nil
}

// recordingLoader builds a recording line by line.
type recordingLoader struct {
	rec        *recording
	openClient map[string]*rpcMessage // client requests not yet answered, by recorded id
	openServer map[string]*rpcMessage // server requests not yet answered, likewise
	waitFor    []*rpcMessage          // client requests answered since the last step
}

// add takes one line of the recording.
func (l *recordingLoader) add(line int, e *logEntry) error {
	dir, err := parseDirection(e.Dir)
	if err != nil {
		return err
	}
	if len(e.Msg) == 0 {
		if dir == clientToServer && e.Raw != "" {
			l.addStep(&replayStep{line: line, raw: []byte(e.Raw)})
			return nil
		}
		l.rec.skipped = append(l.rec.skipped, fmt.Sprintf("line %d (%s): %s", line, e.Dir, e.Error))
		return nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, e.Msg); err != nil {
		return err
	}
	body := json.RawMessage(buf.Bytes())
	if dir == clientToServer {
		l.addClient(line, body)
	} else {
		l.addServer(line, body)
	}
	return nil
}

// parseDirection reads the "dir" of a log line.
func parseDirection(s string) (direction, error) {
	switch s {
	case clientToServer.String():
		return clientToServer, nil
	case serverToClient.String():
		return serverToClient, nil
	}
	return 0, fmt.Errorf("unknown direction %q", s)
}

// addClient takes a frame the client sent.
func (l *recordingLoader) addClient(line int, body json.RawMessage) {
	st := &replayStep{line: line, batch: body[0] == '['}
	for _, elem := range elements(body) {
		m := parseMessage(elem, line)
		switch m.kind {
		case kindReply:
			if req := l.openServer[m.id]; req != nil {
				req.reply = m
				delete(l.openServer, m.id)
			} else {
				l.rec.skipped = append(l.rec.skipped, fmt.Sprintf("line %d: a reply of the client to no request (id %s)", line, m.id))
			}
		case kindRequest:
			l.openClient[m.id] = m
			l.rec.requests = append(l.rec.requests, m)
			st.msgs = append(st.msgs, m)
		default:
			st.msgs = append(st.msgs, m)
		}
	}
	if len(st.msgs) > 0 {
		l.addStep(st)
	}
}

// addStep appends a step, which waits for the replies received before it.
func (l *recordingLoader) addStep(st *replayStep) {
	st.waitFor, l.waitFor = l.waitFor, nil
	l.rec.steps = append(l.rec.steps, st)
}

// addServer takes a frame the server sent.
func (l *recordingLoader) addServer(line int, body json.RawMessage) {
	for _, elem := range elements(body) {
		m := parseMessage(elem, line)
		switch m.kind {
		case kindReply:
			if req := l.openClient[m.id]; req != nil {
				req.reply = m
				delete(l.openClient, m.id)
				l.waitFor = append(l.waitFor, req)
				continue
			}
			l.rec.others = append(l.rec.others, m)
		case kindRequest:
			l.openServer[m.id] = m
			l.rec.serverReqs = append(l.rec.serverReqs, m)
		default:
			l.rec.others = append(l.rec.others, m)
		}
	}
}

// incoming is what the server sent: a frame, or a frame it could not send
// right (framing error).
type incoming struct {
	body []byte
	err  error
}

// replayer runs a recording against a server.
type replayer struct {
	rec *recording
	ign []ignorePattern
	w   framing.Writer
	in  chan incoming

	nextID     int64
	sent       map[string]*rpcMessage // requests awaiting a reply, by the id we sent
	byRecorded map[string]*rpcMessage // requests sent, by recorded id (for $/cancelRequest)
	gotReqs    []*rpcMessage          // requests from the server
	gotOthers  []*rpcMessage          // notifications, replies to no request, invalid messages
	bad        []string               // frames from the server that were not JSON
	eof        bool                   // the server's output has ended
	lastSeen   time.Time              // when the server last sent something
	notes      []string               // how the run went, when not as planned
	sentSteps  int
}

// newReplayer sets up a replay over the server's pipes and starts reading
// them.
func newReplayer(rec *recording, ign []ignorePattern, fr framing.Framer, srv *conn.Process) *replayer {
	r := &replayer{
		rec: rec, ign: ign, w: fr.NewWriter(srv),
		in:         make(chan incoming, 4096),
		sent:       map[string]*rpcMessage{},
		byRecorded: map[string]*rpcMessage{},
	}
	go readFrames(fr.NewReader(srv), r.in)
	return r
}

// readFrames sends every frame read to out until the input ends. out is
// buffered, so that a server that writes a lot while we write to it does
// not wait for us.
func readFrames(rd framing.Reader, out chan<- incoming) {
	defer close(out)
	for {
		body, err := rd.ReadMessage()
		var fe *framing.Error
		switch {
		case err == nil:
			out <- incoming{body: body}
		case errors.As(err, &fe):
			out <- incoming{err: fe}
		default:
			if !errors.Is(err, io.EOF) {
				out <- incoming{err: err}
			}
			return
		}
	}
}

// run plays every step, waits for what should still come, then lets the
// server exit.
func (r *replayer) run(ctx context.Context, srv *conn.Process) {
	r.lastSeen = time.Now()
	for _, st := range r.rec.steps {
		if !r.waitUntil(ctx, 0, func() bool { return allAnswered(st.waitFor) }) {
			r.stopped(ctx, st)
			break
		}
		if err := r.send(st); err != nil {
			r.notes = append(r.notes, fmt.Sprintf("could not write to the server (line %d): %v", st.line, err))
			break
		}
		r.sentSteps++
	}
	r.waitUntil(ctx, settleTime, r.complete)
	timedOut := ctx.Err() != nil // and so the server has been killed
	if timedOut && r.sentSteps == len(r.rec.steps) {
		r.notes = append(r.notes, "timed out waiting for what the recording says should come")
	}
	srv.CloseStdin()
	exitCtx, cancel := context.WithTimeout(ctx, exitGrace)
	defer cancel()
	r.waitUntil(exitCtx, 0, func() bool { return false }) // until its output ends
	exit, err := srv.Stop(exitCtx)                        // at once to SIGKILL if exitCtx has ended
	switch {
	case timedOut:
	case err != nil:
		r.notes = append(r.notes, err.Error())
	case exit.Step != conn.StopNone:
		r.notes = append(r.notes, fmt.Sprintf("the server did not exit once its input was closed: %v", exit))
	case exit.Code != 0:
		r.notes = append(r.notes, fmt.Sprintf("the server exited with status %d", exit.Code))
	}
}

// stopped notes why replay stopped before step st.
func (r *replayer) stopped(ctx context.Context, st *replayStep) {
	why := "the server's output ended"
	if ctx.Err() != nil {
		why = "timed out"
	}
	var names []string
	for _, m := range st.waitFor {
		if m.got == nil {
			names = append(names, strconv.Quote(m.method))
		}
	}
	r.notes = append(r.notes, fmt.Sprintf("%s waiting for the reply to %s before line %d: %d of %d client frames not sent",
		why, strings.Join(names, ", "), st.line, len(r.rec.steps)-r.sentSteps, len(r.rec.steps)))
}

// allAnswered reports whether every request in reqs has had its reply.
func allAnswered(reqs []*rpcMessage) bool {
	for _, m := range reqs {
		if m.got == nil {
			return false
		}
	}
	return true
}

// complete reports whether all the recording says should come has come:
// the replies, and as many notifications and requests of each method.
func (r *replayer) complete() bool {
	for _, m := range r.rec.requests {
		if m.sentID != "" && m.reply != nil && m.got == nil {
			return false
		}
	}
	count := map[string]int{}
	for _, m := range r.rec.others {
		count[m.method]++
	}
	for _, m := range r.rec.serverReqs {
		count["request "+m.method]++
	}
	for _, m := range r.gotOthers {
		count[m.method]--
	}
	for _, m := range r.gotReqs {
		count["request "+m.method]--
	}
	for _, n := range count {
		if n > 0 {
			return false
		}
	}
	return true
}

// waitUntil handles what the server sends until done holds, its output
// ends, or ctx ends; or, with settle, once it has sent nothing for settle.
// It reports whether done holds.
func (r *replayer) waitUntil(ctx context.Context, settle time.Duration, done func() bool) bool {
	for !done() {
		if r.eof || ctx.Err() != nil {
			return false
		}
		if !r.next(ctx, settle) {
			return false
		}
	}
	return true
}

// next handles the next frame from the server, or notes the end of its
// output. It reports false if ctx ended first or, with settle, the server
// has been quiet for settle.
func (r *replayer) next(ctx context.Context, settle time.Duration) bool {
	var quiet <-chan time.Time
	if settle > 0 {
		t := time.NewTimer(time.Until(r.lastSeen.Add(settle)))
		defer t.Stop()
		quiet = t.C
	}
	select {
	case in, ok := <-r.in:
		if !ok {
			r.eof = true
			return true
		}
		r.handle(in)
		return true
	case <-quiet:
	case <-ctx.Done():
	}
	return false
}

// handle takes one frame from the server.
func (r *replayer) handle(in incoming) {
	r.lastSeen = time.Now()
	if in.err != nil {
		r.bad = append(r.bad, in.err.Error())
		return
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, in.body); err != nil {
		r.bad = append(r.bad, fmt.Sprintf("not JSON (%v): %.200q", err, in.body))
		return
	}
	for _, elem := range elements(buf.Bytes()) {
		m := parseMessage(elem, 0)
		switch m.kind {
		case kindReply:
			if req := r.sent[m.id]; req != nil {
				req.got = elem
				delete(r.sent, m.id)
				continue
			}
			r.gotOthers = append(r.gotOthers, m)
		case kindRequest:
			r.gotReqs = append(r.gotReqs, m)
			r.answer(m)
		default:
			r.gotOthers = append(r.gotOthers, m)
		}
	}
}

// answer replies to a request of the server with the client's recorded
// reply to the same request.
func (r *replayer) answer(m *rpcMessage) {
	rm := r.matchServerRequest(m)
	var reply []byte
	if rm != nil && rm.reply != nil {
		reply = withMember(rm.reply.body, "id", m.id)
	} else {
		reply = withMember(json.RawMessage(`{"jsonrpc":"2.0","error":{"code":-32601,"message":"lspkit replay: the recording has no reply to this request"}}`), "id", m.id)
	}
	if err := r.w.WriteMessage(reply); err != nil {
		r.notes = append(r.notes, fmt.Sprintf("could not answer the server's %q: %v", m.method, err))
	}
}

// matchServerRequest pairs a request of the server with a recorded one not
// yet paired: an equal one if there is one, else the first of its method.
func (r *replayer) matchServerRequest(m *rpcMessage) *rpcMessage {
	var sameMethod *rpcMessage
	for _, rm := range r.rec.serverReqs {
		if rm.pair != nil || rm.method != m.method {
			continue
		}
		if len(diffMessages(rm.body, m.body, r.ign)) == 0 {
			sameMethod = rm
			break
		}
		if sameMethod == nil {
			sameMethod = rm
		}
	}
	if sameMethod != nil {
		sameMethod.pair, m.pair = m, sameMethod
	}
	return sameMethod
}

// send sends one step, with our ids in it.
func (r *replayer) send(st *replayStep) error {
	if st.raw != nil {
		return r.w.WriteMessage(st.raw)
	}
	parts := make([][]byte, len(st.msgs))
	for i, m := range st.msgs {
		parts[i] = r.outgoing(m)
	}
	frame := parts[0]
	if st.batch {
		frame = slices.Concat([]byte("["), bytes.Join(parts, []byte(",")), []byte("]"))
	}
	return r.w.WriteMessage(frame)
}

// outgoing returns a message as we send it: a request gets an id of ours,
// a cancellation names the id we used; the rest goes as recorded.
func (r *replayer) outgoing(m *rpcMessage) []byte {
	switch {
	case m.kind == kindRequest:
		r.nextID++
		m.sentID = strconv.FormatInt(r.nextID, 10)
		r.sent[m.sentID] = m
		r.byRecorded[m.id] = m
		return withMember(m.body, "id", m.sentID)
	case m.kind == kindNotification && m.method == "$/cancelRequest":
		var p struct {
			Params struct {
				ID json.RawMessage `json:"id"`
			} `json:"params"`
		}
		if json.Unmarshal(m.body, &p) == nil {
			if req := r.byRecorded[string(p.Params.ID)]; req != nil {
				return withMember(m.body, "params", `{"id":`+req.sentID+`}`)
			}
		}
	}
	return m.body
}

// withMember returns the JSON object obj with member key set to the JSON
// text value. Members come out sorted; HTML characters are left as they
// are.
func withMember(obj json.RawMessage, key, value string) []byte {
	var members map[string]json.RawMessage
	if json.Unmarshal(obj, &members) != nil {
		return obj
	}
	members[key] = json.RawMessage(value)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(members) != nil {
		return obj
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// replayReport is the outcome of a replay.
type replayReport struct {
	buf         strings.Builder
	differences int
}

func (rep *replayReport) String() string { return rep.buf.String() }

// printf adds to the report.
func (rep *replayReport) printf(format string, args ...any) { fmt.Fprintf(&rep.buf, format, args...) }

// differ adds a difference: a title, then indented lines.
func (rep *replayReport) differ(title string, lines ...string) {
	rep.differences++
	rep.printf("\n%s\n", title)
	for _, l := range lines {
		rep.printf("    %s\n", l)
	}
}

// report compares what the server sent with the recording.
func (r *replayer) report(file string) *replayReport {
	rep := &replayReport{}
	rep.printf("replay of %s: sent %d of %d client frames; recorded: requests %d, server requests %d, notifications and other server messages %d\n",
		file, r.sentSteps, len(r.rec.steps), len(r.rec.requests), len(r.rec.serverReqs), len(r.rec.others))
	for _, s := range r.rec.skipped {
		rep.printf("note: skipped %s\n", s)
	}
	for _, n := range r.notes {
		rep.printf("note: %s\n", n)
	}
	r.compareReplies(rep)
	r.compareServerRequests(rep)
	r.compareOthers(rep)
	for _, b := range r.bad {
		rep.differ("unexpected: a frame from the server that cannot be read: " + b)
	}
	if rep.differences == 0 {
		rep.printf("\nno differences\n")
	} else {
		rep.printf("\n%d difference(s)\n", rep.differences)
	}
	return rep
}

// compareReplies compares the reply to each client request with its
// recorded reply.
func (r *replayer) compareReplies(rep *replayReport) {
	for _, m := range r.rec.requests {
		name := fmt.Sprintf("reply to %q (request on line %d, recorded id %s, sent as %s)", m.method, m.line, m.id, m.sentID)
		switch {
		case m.reply == nil:
			// The recording ends before its reply: nothing to compare.
		case m.sentID == "":
			rep.differ(fmt.Sprintf("not sent: %q (line %d), so its reply was not compared", m.method, m.line))
		case m.got == nil:
			rep.differ("no "+name, "recorded: "+string(m.reply.body))
		default:
			if d := diffMessages(m.reply.body, m.got, r.ign); len(d) > 0 {
				rep.differ(name+" differs:", d...)
			}
		}
	}
}

// compareServerRequests compares the server's requests with the recorded
// ones they were paired with when they came.
func (r *replayer) compareServerRequests(rep *replayReport) {
	for _, rm := range r.rec.serverReqs {
		name := fmt.Sprintf("request %q from the server (line %d)", rm.method, rm.line)
		if rm.pair == nil {
			rep.differ("missing: "+name, "recorded: "+string(rm.body))
			continue
		}
		if d := diffMessages(rm.body, rm.pair.body, r.ign); len(d) > 0 {
			rep.differ(name+" differs:", d...)
		}
	}
	for _, m := range r.gotReqs {
		if m.pair == nil {
			rep.differ(fmt.Sprintf("unexpected: request %q from the server (answered with an error)", m.method), "got: "+string(m.body))
		}
	}
}

// compareOthers compares notifications (and replies to no request)
// regardless of order.
func (r *replayer) compareOthers(rep *replayReport) {
	pairUp(r.rec.others, r.gotOthers, r.ign)
	for _, rm := range r.rec.others {
		name := fmt.Sprintf("%s (line %d)", describe(rm), rm.line)
		if rm.pair == nil {
			rep.differ("missing: "+name, "recorded: "+string(rm.body))
			continue
		}
		if d := diffMessages(rm.body, rm.pair.body, r.ign); len(d) > 0 {
			rep.differ(name+" differs:", d...)
		}
	}
	for _, m := range r.gotOthers {
		if m.pair == nil {
			rep.differ("unexpected: "+describe(m), "got: "+string(m.body))
		}
	}
}

// describe names a message that is not a reply to a known request.
func describe(m *rpcMessage) string {
	switch m.kind {
	case kindNotification:
		return fmt.Sprintf("notification %q", m.method)
	case kindReply:
		return fmt.Sprintf("reply to no request (id %s)", m.id)
	}
	return "message that is not JSON-RPC"
}

// pairUp pairs received messages with recorded ones regardless of order:
// first those that are equal (but for what is ignored), then the rest by
// kind and method, in order.
func pairUp(want, got []*rpcMessage, ign []ignorePattern) {
	for _, exact := range []bool{true, false} {
		for _, w := range want {
			if w.pair != nil {
				continue
			}
			for _, g := range got {
				if g.pair != nil || g.kind != w.kind || g.method != w.method {
					continue
				}
				if exact && len(diffMessages(w.body, g.body, ign)) > 0 {
					continue
				}
				w.pair, g.pair = g, w
				break
			}
		}
	}
}

// diffMessages compares two messages, leaving out "id", "jsonrpc" and what
// the patterns name, and returns one line per difference.
func diffMessages(want, got json.RawMessage, ign []ignorePattern) []string {
	a, b := decodeJSON(want), decodeJSON(got)
	for _, v := range []any{a, b} {
		if obj, ok := v.(map[string]any); ok {
			delete(obj, "id")
			delete(obj, "jsonrpc")
		}
	}
	var out []string
	diffValues(nil, a, b, ign, &out)
	return out
}

// decodeJSON decodes JSON keeping numbers as they were written.
func decodeJSON(data []byte) any {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(data)
	}
	return v
}

// diffValues appends a line for each place where a and b differ, below
// path, except where a pattern says to ignore.
func diffValues(path []string, a, b any, ign []ignorePattern, out *[]string) {
	if ignored(path, ign) {
		return
	}
	switch av := a.(type) {
	case map[string]any:
		if bv, ok := b.(map[string]any); ok {
			diffObjects(path, av, bv, ign, out)
			return
		}
	case []any:
		if bv, ok := b.([]any); ok {
			diffArrays(path, av, bv, ign, out)
			return
		}
	}
	if !sameScalar(a, b) {
		*out = append(*out, fmt.Sprintf("%s: recorded %s, got %s", showPath(path), showValue(a), showValue(b)))
	}
}

// diffObjects compares two objects member by member, in name order.
func diffObjects(path []string, a, b map[string]any, ign []ignorePattern, out *[]string) {
	keys := make([]string, 0, len(a)+len(b))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := append(slices.Clip(path), k)
		av, aok := a[k]
		bv, bok := b[k]
		switch {
		case ignored(p, ign):
		case !bok:
			*out = append(*out, fmt.Sprintf("%s: recorded %s, got nothing", showPath(p), showValue(av)))
		case !aok:
			*out = append(*out, fmt.Sprintf("%s: not recorded, got %s", showPath(p), showValue(bv)))
		default:
			diffValues(p, av, bv, ign, out)
		}
	}
}

// diffArrays compares two arrays element by element.
func diffArrays(path []string, a, b []any, ign []ignorePattern, out *[]string) {
	for i := range max(len(a), len(b)) {
		p := append(slices.Clip(path), strconv.Itoa(i))
		switch {
		case ignored(p, ign):
		case i >= len(b):
			*out = append(*out, fmt.Sprintf("%s: recorded %s, got nothing", showPath(p), showValue(a[i])))
		case i >= len(a):
			*out = append(*out, fmt.Sprintf("%s: not recorded, got %s", showPath(p), showValue(b[i])))
		default:
			diffValues(p, a[i], b[i], ign, out)
		}
	}
}

// sameScalar compares two values that are not both objects or both arrays.
// Numbers are equal when their values are (1 and 1.0).
func sameScalar(a, b any) bool {
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		if an == bn {
			return true
		}
		af, aerr := an.Float64()
		bf, berr := bn.Float64()
		return aerr == nil && berr == nil && af == bf
	}
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b
}

// showPath writes a path as patterns do; the top of a message is "(message)".
func showPath(path []string) string {
	if len(path) == 0 {
		return "(message)"
	}
	return strings.Join(path, ".")
}

// showValue writes a value as compact JSON, cut if long.
func showValue(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // decoded JSON always encodes
	s := strings.TrimSuffix(buf.String(), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// ignorePattern is a parsed --ignore pattern: its segments.
type ignorePattern []string

// parsePatterns parses --ignore patterns.
func parsePatterns(specs []string) ([]ignorePattern, error) {
	var pats []ignorePattern
	for _, s := range specs {
		p := ignorePattern(strings.Split(s, "."))
		if slices.Contains(p, "") {
			return nil, fmt.Errorf("--ignore %q: empty path segment (write member names separated by single dots)", s)
		}
		pats = append(pats, p)
	}
	return pats, nil
}

// ignored reports whether a pattern names path.
func ignored(path []string, ign []ignorePattern) bool {
	for _, p := range ign {
		if p.match(path) {
			return true
		}
	}
	return false
}

// match reports whether the pattern names path: "*" stands for any one
// segment, "**" for any number of them.
func (p ignorePattern) match(path []string) bool {
	if len(p) == 0 {
		return len(path) == 0
	}
	if p[0] == "**" {
		for i := 0; i <= len(path); i++ {
			if p[1:].match(path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 || (p[0] != "*" && p[0] != path[0]) {
		return false
	}
	return p[1:].match(path[1:])
}
