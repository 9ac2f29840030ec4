package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// server is one server under test, as a command line.
type server struct {
	name string
	path string
	args []string
	env  []string // added to the environment
}

// client drives one server subprocess over its stdin and stdout with
// Content-Length frames. It is pipelined and runs on one goroutine: requests
// are appended to an output buffer, which is written (one Write for all of
// it) only when the client must wait for input, so a burst of requests costs
// one system call. It neither reflects nor allocates per message.
type client struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   []byte // frames not yet written
	br    *bufio.Reader
	body  []byte // the last reply read; reused
	err   error  // the first write error
	next  int64  // the next request id
}

// start starts s and returns a client connected to it.
func start(s server) (*client, error) {
	cmd := exec.Command(s.path, s.args...)
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stderr = os.Stderr // servers log there; never on our stdout
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", s.name, err)
	}
	c := &client{cmd: cmd, stdin: stdin, next: 1}
	c.br = bufio.NewReaderSize(flushingReader{c, stdout}, 256<<10)
	return c, nil
}

// flushingReader writes what the client has queued before it reads: the
// client only ever waits for replies to what it has sent.
type flushingReader struct {
	c *client
	r io.Reader
}

func (f flushingReader) Read(p []byte) (int, error) {
	if err := f.c.flush(); err != nil {
		return 0, err
	}
	return f.r.Read(p)
}

// flush writes the queued frames.
func (c *client) flush() error {
	if len(c.out) > 0 && c.err == nil {
		_, c.err = c.stdin.Write(c.out)
		c.out = c.out[:0]
	}
	return c.err
}

// request queues a request and returns its id.
func (c *client) request(method string, params []byte) int64 {
	id := c.next
	c.next++
	c.out = appendRequest(c.out, id, method, params)
	return id
}

// notify queues a notification; it writes when a lot is queued.
func (c *client) notify(method string, params []byte) error {
	c.out = appendRequest(c.out, -1, method, params)
	if len(c.out) >= 64<<10 {
		return c.flush()
	}
	return nil
}

// reply reads the next reply and returns its id and members; they are valid
// until the next call.
func (c *client) reply() (int64, members, error) {
	body, err := readFrame(c.br, c.body)
	if err != nil {
		if c.err != nil {
			err = c.err
		}
		return 0, members{}, fmt.Errorf("reading a reply: %w", err)
	}
	c.body = body
	m, err := scan(body)
	if err != nil {
		return 0, m, fmt.Errorf("reply %.100q: %w", body, err)
	}
	id, err := strconv.ParseInt(string(m.id), 10, 64)
	if err != nil {
		return 0, m, fmt.Errorf("reply %.100q: bad id", body)
	}
	return id, m, nil
}

// result reads the next reply, which must answer id with a result.
func (c *client) result(id int64) ([]byte, error) {
	got, m, err := c.reply()
	if err != nil {
		return nil, err
	}
	if got != id {
		return nil, fmt.Errorf("reply to id %d, want %d", got, id)
	}
	if m.err != nil {
		return nil, fmt.Errorf("error reply to id %d: %.200s", id, m.err)
	}
	if m.result == nil {
		return nil, fmt.Errorf("reply to id %d without a result", id)
	}
	return m.result, nil
}

// call sends a request and waits for its result.
func (c *client) call(method string, params []byte) ([]byte, error) {
	id := c.request(method, params)
	return c.result(id)
}

// count returns the server's tick count.
func (c *client) count() (int64, error) {
	r, err := c.call("count", nil)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(string(r), 10, 64)
}

// memory returns the server's peak resident set size (VmHWM) and its
// current anonymous resident memory (RssAnon: the heap and stacks, without
// the pages of the executable), in bytes, from /proc/<pid>/status.
func (c *client) memory() (hwm, anon int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	found := 0
	for _, line := range strings.Split(string(b), "\n") {
		name, v, _ := strings.Cut(line, ":")
		if name != "VmHWM" && name != "RssAnon" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/<pid>/status: %q: %w", line, err)
		}
		if name == "VmHWM" {
			hwm = kb << 10
		} else {
			anon = kb << 10
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("no VmHWM or RssAnon in /proc/<pid>/status")
	}
	return hwm, anon, nil
}

// cpuTime returns the CPU time the server has used so far (user and
// system, all threads), from /proc/<pid>/task/*/schedstat, which counts
// nanoseconds.
func (c *client) cpuTime() (time.Duration, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", c.cmd.Process.Pid))
	if err != nil || len(tasks) == 0 {
		return 0, errors.New("no /proc/<pid>/task/*/schedstat")
	}
	var t int64
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a thread that has just exited
		}
		fields := strings.Fields(string(b))
		if len(fields) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q", f, b)
		}
		t += ns
	}
	return time.Duration(t), nil
}

// stop closes the server's stdin, which ends it, and waits (briefly) for it
// to exit.
func (c *client) stop() error {
	c.stdin.Close()
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
		return errors.New("the server did not exit within 5s of its stdin closing; killed")
	}
}
