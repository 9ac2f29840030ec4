package conn

import (
	"errors"
	"io"
	"os"
	"sync"
	"sync/atomic"
)

// Stdio returns the process's standard input and output as one stream, the
// stream a server launched by an editor or an agent serves:
//
//	err := conn.Serve(ctx, conn.Stdio(), mux)
//
// Reads come from os.Stdin and writes go to os.Stdout, unbuffered (a Conn
// writes whole frames). Close closes both, once: the peer sees the end of
// our output, and a Read waiting for input returns at once with an error
// wrapping os.ErrClosed — so a connection that is closed, or whose context
// ends, does not wait for the peer to close its side first. Reads after
// Close fail the same way.
//
// Waking a pending read takes the platform's help, and works where editors
// and agents start servers: on Linux, macOS and the other Unix systems when
// stdin is a socket (libuv's child processes, hence VS Code's and Neovim's,
// get socket pairs), Close shuts down its reading side; on Linux when stdin
// is a pipe, Close writes a byte into it through /proc/self/fd/0, which the
// pending read receives and drops. Otherwise — a terminal, a file, a pipe
// on macOS, Windows — a pending read ends only when input arrives or the
// peer closes its side; Close still closes both streams. Reads are plain
// blocking reads of stdin, as fast as os.Stdin's own.
//
// Call Stdio once per process, and let nothing else read os.Stdin while
// the stream is open.
func Stdio() io.ReadWriteCloser {
	return &stdio{in: os.Stdin, out: os.Stdout}
}

// stdio is stdin and stdout as one stream.
type stdio struct {
	in, out *os.File
	closed  atomic.Bool // set by Close before it wakes a pending read
	once    sync.Once
	err     error
}

var errStdinClosed = &os.PathError{Op: "read", Path: "/dev/stdin", Err: os.ErrClosed}

// Read reads stdin; once Close has begun, what a woken read returns is
// dropped.
func (s *stdio) Read(p []byte) (int, error) {
	if s.closed.Load() {
		return 0, errStdinClosed
	}
	n, err := s.in.Read(p)
	if s.closed.Load() {
		return 0, errStdinClosed
	}
	return n, err
}

func (s *stdio) Write(p []byte) (int, error) { return s.out.Write(p) }

// Close wakes a pending Read where the platform allows (see Stdio) and
// closes stdin and stdout. Later calls return the first's result.
func (s *stdio) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		wakeStdin()
		s.err = errors.Join(s.in.Close(), s.out.Close())
	})
	return s.err
}
