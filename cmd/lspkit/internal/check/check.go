package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lspkit/lspkit/framing"
)

// Level says how strongly a rule binds: MUST (a failure makes the run fail)
// or SHOULD (a failure is reported, but the run passes).
type Level string

// The levels of the rules.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
)

// Verdict is the outcome of one check.
type Verdict string

// The verdicts.
const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
	// Skip: the check does not apply (to this framing, this operating
	// system, a server that advertises nothing it could test).
	Skip Verdict = "skip"
	// Error: the check could not be carried out (the server did not start,
	// or did not get through initialize): nothing is known of its rule.
	Error Verdict = "error"
)

// Rule is the rule a check checks, with where it is written.
type Rule struct {
	Level Level  `json:"level"`
	Ref   string `json:"ref"`  // the specification and its section, e.g. "JSON-RPC 2.0 §5 Response object"
	Text  string `json:"text"` // what it says, in a sentence
}

// Check is one check of the catalogue.
type Check struct {
	ID    string // stable: --only takes it, reports and tests name it
	Title string
	Rule  Rule
	// LSP: the check is of the Language Server Protocol's lifecycle or
	// features, and runs only with Config.LSP.
	LSP bool
	// Framing is the only framing the check applies to ("header" or
	// "line"), or "" for both.
	Framing string
	Timeout time.Duration // 0: DefaultTimeout
	run     func(t *T)
}

// DefaultTimeout bounds a check that gives no timeout of its own.
const DefaultTimeout = 60 * time.Second

// probeWait bounds the wait for an answer a healthy server gives at once.
const probeWait = 5 * time.Second

// Config is what to check and how.
type Config struct {
	// Argv is the server's command line.
	Argv []string
	// LSP checks a language server: every check starts with initialize and
	// initialized, and the LSP checks run too.
	LSP bool
	// Framing is "header" (Content-Length, as LSP; the default) or "line"
	// (newline-delimited JSON).
	Framing string
	// Only, when not empty, lists the checks to run: ids, groups
	// ("jsonrpc") or prefixes ending in "*" ("jsonrpc.batch-*").
	Only []string
	// Parallel is how many checks run at once (default: the number of
	// CPUs, at least 4: most of a check's time is spent waiting).
	Parallel int
	// LanguageID and Document are the document the LSP checks open
	// (default: plaintext, a few lines of text).
	LanguageID string
	Document   string
	// Progress, when not nil, is told of each check as it starts and ends
	// (for a terminal).
	Progress func(done, total int, running []string)
}

// Result is the outcome of one check.
type Result struct {
	ID       string        `json:"id"`
	Title    string        `json:"title"`
	Verdict  Verdict       `json:"verdict"`
	Rule     Rule          `json:"rule"`
	Detail   string        `json:"detail,omitempty"`   // why it failed, was skipped, or what was seen
	Exchange []Line        `json:"exchange,omitempty"` // what was sent and what came back
	Stderr   string        `json:"stderr,omitempty"`   // the tail of the server's stderr, on failure
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// Line is one line of an exchange: "sent", "recv" or "note".
type Line struct {
	Dir  string `json:"dir"`
	Text string `json:"text"`
}

// Report is the outcome of a run.
type Report struct {
	Server  []string      `json:"server"`
	LSP     bool          `json:"lsp"`
	Framing string        `json:"framing"`
	Results []Result      `json:"results"`
	Elapsed time.Duration `json:"elapsed_ns"`
}

// Failed reports whether a MUST check failed or a check could not be
// carried out: what makes `lspkit check` exit non-zero.
func (r *Report) Failed() bool {
	for _, res := range r.Results {
		if res.Verdict == Error || res.Verdict == Fail && res.Rule.Level == Must {
			return true
		}
	}
	return false
}

// Result returns the result of check id, or nil.
func (r *Report) Result(id string) *Result {
	for i := range r.Results {
		if r.Results[i].ID == id {
			return &r.Results[i]
		}
	}
	return nil
}

// Select returns the checks of the catalogue that cfg runs, in catalogue
// order, or an error naming an id of cfg.Only that matches nothing.
func Select(cfg Config) ([]Check, error) {
	var out []Check
	used := make([]bool, len(cfg.Only))
	for _, c := range Catalogue() {
		if c.LSP && !cfg.LSP {
			continue
		}
		if len(cfg.Only) > 0 {
			hit := false
			for i, id := range cfg.Only {
				if matchID(id, c.ID) {
					hit, used[i] = true, true
				}
			}
			if !hit {
				continue
			}
		}
		out = append(out, c)
	}
	for i, ok := range used {
		if !ok {
			return nil, fmt.Errorf("--only: no check %q (with --lsp: %v); `lspkit check --list` lists them", cfg.Only[i], cfg.LSP)
		}
	}
	return out, nil
}

// matchID reports whether pattern names id: an id, a group ("jsonrpc"),
// or a prefix ending in "*" ("jsonrpc.batch-*").
func matchID(pattern, id string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(id, prefix)
	}
	return id == pattern || strings.HasPrefix(id, pattern+".")
}

// Run runs the checks cfg selects against the server and reports on each.
// It returns an error only when cfg is wrong; a server that cannot be
// started is reported check by check.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Argv) == 0 {
		return nil, errors.New("no server command line")
	}
	switch cfg.Framing {
	case "":
		cfg.Framing = "header"
	case "header", "line":
	default:
		return nil, fmt.Errorf("framing must be header or line, not %q", cfg.Framing)
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = max(4, runtime.NumCPU())
	}
	if cfg.LanguageID == "" {
		cfg.LanguageID = "plaintext"
	}
	if cfg.Document == "" {
		cfg.Document = defaultDocument
	}
	checks, err := Select(cfg)
	if err != nil {
		return nil, err
	}
	// The servers run in a scratch directory: a relative path must be made
	// absolute first, and a missing command is one clear error, not one per check.
	path, err := exec.LookPath(cfg.Argv[0])
	if err != nil {
		return nil, fmt.Errorf("the server: %w", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return nil, err
	}
	cfg.Argv = append([]string{path}, cfg.Argv[1:]...)
	dir, err := os.MkdirTemp("", "lspkit-check-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)

	// Starting a server is what costs CPU (a Node.js server takes a second
	// of it); checks mostly wait. So more checks run at once than servers
	// start at once: at most one start, up to initialized, per CPU.
	starts := make(chan struct{}, runtime.NumCPU())

	start := time.Now()
	rep := &Report{Server: cfg.Argv, LSP: cfg.LSP, Framing: cfg.Framing, Results: make([]Result, len(checks))}
	var (
		mu      sync.Mutex
		done    int
		running []string
		wg      sync.WaitGroup
		sem     = make(chan struct{}, cfg.Parallel)
	)
	progress := func() {
		if cfg.Progress != nil {
			cfg.Progress(done, len(checks), slices.Clone(running))
		}
	}
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			mu.Lock()
			running = append(running, c.ID)
			progress()
			mu.Unlock()
			rep.Results[i] = runOne(ctx, &cfg, c, dir, starts)
			mu.Lock()
			done++
			running = slices.DeleteFunc(running, func(id string) bool { return id == c.ID })
			progress()
			mu.Unlock()
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	return rep, nil
}

// runOne runs one check within its timeout, and ends every process it started.
func runOne(ctx context.Context, cfg *Config, c Check, dir string, starts chan struct{}) Result {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := &T{ctx: ctx, cfg: cfg, dir: dir, starts: starts, res: Result{ID: c.ID, Title: c.Title, Rule: c.Rule, Verdict: Pass}}
	start := time.Now()
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer func() {
			if r := recover(); r != nil && r != errAbort {
				// A bug of the checker's own: one check is lost, not the run.
				t.setVerdict(Error, fmt.Sprintf("the checker failed: %v\n%s", r, debug.Stack()))
			}
		}()
		if c.Framing != "" && c.Framing != cfg.Framing {
			t.skipf("applies to %s framing only", c.Framing)
		}
		c.run(t)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		t.setVerdict(Fail, fmt.Sprintf("the check did not finish within %v", timeout))
	}
	t.releaseAll() // ends waits on the processes too
	<-finished
	t.ready()
	res := t.result()
	res.Elapsed = time.Since(start)
	return res
}

// errAbort ends a check early, like testing's FailNow.
var errAbort = errors.New("check aborted")

// T is what a check runs with: the configuration, the processes it
// starts, and the result it builds.
type T struct {
	ctx context.Context
	cfg *Config
	dir string // a scratch directory, the servers' working directory

	starts  chan struct{} // a token per server starting, shared by the run
	holding bool          // this check holds a token of starts

	mu    sync.Mutex
	res   Result
	procs []*process
	set   bool // the verdict has been set by fail, skip or error
}

// starting takes a token to start a server, unless the check holds one.
func (t *T) starting() {
	if t.holding {
		return
	}
	select {
	case t.starts <- struct{}{}:
		t.holding = true
	case <-t.ctx.Done():
	}
}

// ready gives back the check's token: its server has started (and, with
// LSP, is initialized).
func (t *T) ready() {
	if t.holding {
		<-t.starts
		t.holding = false
	}
}

// bound returns d, shortened so as not to pass the check's deadline.
func (t *T) bound(d time.Duration) time.Duration {
	if dl, ok := t.ctx.Deadline(); ok {
		if left := time.Until(dl); left < d {
			return max(left, 0)
		}
	}
	return d
}

// start starts a fresh server process and a session with it, in the
// configured framing; with LSP, it also initializes it, and otherwise it
// sends it a first request.
func (t *T) start() *session {
	s := t.startRaw()
	if t.cfg.LSP {
		s.handshake(t.initParams())
	} else {
		// A first request, answered, shows the server up and running: the
		// waits after it can be short, and a server that answers nothing
		// at all is one that cannot be checked.
		if _, ok := s.call(probeMethod, nil, initWait); !ok {
			t.errorf("the server answered no request within %v (%s); %s", initWait, probeMethod, s.exitNote())
		}
	}
	t.ready()
	return s
}

// startRaw starts a fresh server process and a session with it, without
// initializing it.
func (t *T) startRaw() *session {
	t.starting() // given back by ready, at the latest when the check ends
	p, err := startProcess(t.cfg.Argv, t.dir)
	if err != nil {
		t.errorf("%v", err)
	}
	t.mu.Lock()
	t.procs = append(t.procs, p)
	t.mu.Unlock()
	return newSession(t, p, t.framer())
}

// framer is the configured framing.
func (t *T) framer() framing.Framer {
	if t.cfg.Framing == "line" {
		return framing.Line()
	}
	return framing.Header()
}

// releaseAll ends every process of the check.
func (t *T) releaseAll() {
	t.mu.Lock()
	procs := t.procs
	t.procs = nil
	t.mu.Unlock()
	failed := t.result().Verdict != Pass
	for _, p := range procs {
		p.release()
		if failed {
			if tail := strings.TrimSpace(p.stderr.String()); tail != "" {
				t.mu.Lock()
				t.res.Stderr = lastLines(tail, 10)
				t.mu.Unlock()
			}
		}
	}
}

// result returns the result so far.
func (t *T) result() Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.res
}

// setVerdict sets the verdict, unless one was set already.
func (t *T) setVerdict(v Verdict, detail string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.set {
		return
	}
	t.set = true
	t.res.Verdict, t.res.Detail = v, detail
}

// fatalf fails the check and ends it.
func (t *T) fatalf(format string, args ...any) {
	t.setVerdict(Fail, fmt.Sprintf(format, args...))
	panic(errAbort)
}

// failf fails the check and lets it go on (to record more).
func (t *T) failf(format string, args ...any) { t.setVerdict(Fail, fmt.Sprintf(format, args...)) }

// skipf ends the check as not applying.
func (t *T) skipf(format string, args ...any) {
	t.setVerdict(Skip, fmt.Sprintf(format, args...))
	panic(errAbort)
}

// errorf ends the check as one that could not be carried out.
func (t *T) errorf(format string, args ...any) {
	t.setVerdict(Error, fmt.Sprintf(format, args...))
	panic(errAbort)
}

// passf records what a passing check saw.
func (t *T) passf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.set {
		t.res.Detail = fmt.Sprintf(format, args...)
	}
}

// maxExchange bounds the lines of exchange a result keeps.
const maxExchange = 60

func (t *T) log(dir, text string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch n := len(t.res.Exchange); {
	case n < maxExchange:
		t.res.Exchange = append(t.res.Exchange, Line{dir, text})
	case n == maxExchange:
		t.res.Exchange = append(t.res.Exchange, Line{"note", "… (more not shown)"})
	}
}

func (t *T) logSent(b []byte) { t.log("sent", clip(b, 200)) }
func (t *T) logRecv(b []byte) { t.log("recv", clip(b, 200)) }
func (t *T) note(s string)    { t.log("note", s) }

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
