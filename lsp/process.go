package lsp

import (
	"errors"
	"syscall"
	"time"
)

// This file watches the client's process: the specification says a server
// should exit when the process that started it dies, whose id comes in
// initialize (processId) or on the command line (--clientProcessId).

// watchPID polls process pid until it dies or Serve returns; a death is
// reported on s.died. Only the first call starts a watch.
func (s *Server) watchPID(pid int) {
	s.mu.Lock()
	if s.watching || pid <= 0 {
		s.mu.Unlock()
		return
	}
	s.watching = true
	ctx := s.serveCtx
	s.mu.Unlock()
	go func() {
		t := time.NewTicker(s.opts.pollEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !alive(pid) {
					s.opts.logger.Warn("lsp: the client process died", "pid", pid)
					s.died <- pid
					return
				}
			}
		}
	}()
}

// alive reports whether process pid exists. Signal 0 checks without
// sending anything; EPERM means it exists but is not ours.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
