package conn

import (
	"errors"
	"io"
	"os"
	"sync"
)

// Stdio returns the process's standard input and output as one stream, the
// stream a server launched by an editor or an agent serves:
//
//	err := conn.Serve(ctx, conn.Stdio(), mux)
//
// Reads come from stdin and writes go to stdout, unbuffered (a Conn writes
// whole frames). Close closes both, once: the peer sees the end of our
// output, and a Read that is waiting for input returns at once with an
// error wrapping os.ErrClosed — so a connection that is closed, or whose
// context ends, does not wait for the peer to close its side first.
//
// Unblocking a pending read needs the platform's help. On Linux, macOS and
// the other Unix systems it works when stdin is a pipe or a socket, which
// is how editors and agents start servers: Stdio reads a duplicate of
// stdin in non-blocking mode through Go's poller, and Close puts stdin back
// in blocking mode. When stdin is a terminal or a file, and on Windows, a
// pending read ends only when input arrives or the peer closes its side;
// Close still closes both streams. While the stream is open, nothing else
// in the process should read os.Stdin.
//
// Call Stdio once per process: each call takes stdin for itself.
func Stdio() io.ReadWriteCloser {
	s := &stdio{in: os.Stdin, out: os.Stdout}
	if in, restore := pollableStdin(); in != nil {
		s.in, s.restore = in, restore
	}
	return s
}

// stdio is stdin (or a pollable duplicate of it) and stdout as one stream.
type stdio struct {
	in      *os.File
	out     *os.File
	restore func() // undoes what pollableStdin changed; nil if nothing
	once    sync.Once
	err     error
}

func (s *stdio) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *stdio) Write(p []byte) (int, error) { return s.out.Write(p) }

// Close closes stdin and stdout, and the duplicate of stdin if there is
// one (which wakes a pending Read). Later calls return the first's result.
func (s *stdio) Close() error {
	s.once.Do(func() {
		var errs []error
		if s.in != os.Stdin {
			errs = append(errs, s.in.Close())
			s.restore()
		}
		errs = append(errs, os.Stdin.Close(), s.out.Close())
		s.err = errors.Join(errs...)
	})
	return s.err
}
