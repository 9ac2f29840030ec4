package check

// Tests of how the checks start and end servers (conn.Process): what they
// keep of a server's stderr, its exit status, and that a server that reads
// nothing cannot hold a check past its time.

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"
)

// tool returns the path of a Unix tool a test runs as its "server".
func tool(t *testing.T, name string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skipf("the test runs %s, a Unix tool", name)
	}
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("no %s to run: %v", name, err)
	}
	return path
}

// TestStderrTail: a failed check reports the last lines of its server's
// stderr; what is kept of it is the end, at most stderrKept bytes, however
// much the server writes; and the exit status is the server's.
func TestStderrTail(t *testing.T) {
	sh := tool(t, "sh")
	for _, c := range []struct {
		name  string
		lines int // written to stderr, "stderr line 0" to "stderr line lines-1"
		code  int
	}{
		{"little", 3, 3},
		{"more than is kept", 5000, 7},
	} {
		t.Run(c.name, func(t *testing.T) {
			script := fmt.Sprintf(`i=0; while [ $i -lt %d ]; do echo "stderr line $i" >&2; i=$((i+1)); done; exit %d`, c.lines, c.code)
			cfg := &Config{Argv: []string{sh, "-c", script}, Framing: "header"}
			var kept []byte
			chk := Check{ID: "test.stderr", Timeout: 30 * time.Second, run: func(t *T) {
				s := t.startRaw()
				t.ready()
				code, ok := waitExit(s.p, 20*time.Second)
				if !ok {
					t.fatalf("still running")
				}
				kept = s.p.Stderr()
				t.fatalf("exited with status %d", code)
			}}
			res := runOne(context.Background(), cfg, chk, t.TempDir(), make(chan struct{}, 1))
			if want := fmt.Sprintf("exited with status %d", c.code); res.Verdict != Fail || res.Detail != want {
				t.Fatalf("verdict %s %q, want fail %q", res.Verdict, res.Detail, want)
			}
			written := 0
			for i := range c.lines {
				written += len(fmt.Sprintf("stderr line %d\n", i))
			}
			if want := min(written, stderrKept); len(kept) != want {
				t.Errorf("kept %d bytes of %d written to stderr, want %d", len(kept), written, want)
			}
			if last := fmt.Sprintf("stderr line %d\n", c.lines-1); !strings.HasSuffix(string(kept), last) {
				t.Errorf("what is kept of stderr does not end with %q: ...%q", last, kept[max(len(kept)-40, 0):])
			}
			var want []string
			for i := max(c.lines-10, 0); i < c.lines; i++ {
				want = append(want, fmt.Sprintf("stderr line %d", i))
			}
			if res.Stderr != strings.Join(want, "\n") {
				t.Errorf("the report's stderr is %q, want its last lines %q", res.Stderr, want)
			}
		})
	}
}

// TestDeafServer: a write to a server that reads nothing, which blocks
// once the pipe is full, ends when the check's time is up, before the
// processes are released.
func TestDeafServer(t *testing.T) {
	sleep := tool(t, "sleep")
	const limit = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	tc := &T{ctx: ctx, cfg: &Config{Argv: []string{sleep, "60"}, Framing: "header"}, dir: t.TempDir(), starts: make(chan struct{}, 1)}
	defer tc.releaseAll()
	s := tc.startRaw()
	tc.ready()

	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := s.p.Write(make([]byte, 4<<20)) // far more than a pipe holds
		done <- err
	}()
	select {
	case err := <-done:
		took := time.Since(start)
		t.Logf("the write ended after %v: %v", took.Round(time.Millisecond), err)
		if err == nil {
			t.Fatal("4 MiB written to a server that reads nothing")
		}
		if took < limit-100*time.Millisecond {
			t.Errorf("the write ended after %v, before the check's time (%v) was up", took, limit)
		}
	case <-time.After(limit + 5*time.Second):
		t.Fatalf("a write to a server that reads nothing still blocks 5s after the check's time (%v) was up", limit)
	}
	if hasExited(s.p) {
		t.Errorf("the server exited: it should still run until released")
	}
}
