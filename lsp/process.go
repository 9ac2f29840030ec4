package lsp

import "github.com/lspkit/lspkit/lsp/procwatch"

// This file watches the client's process: the specification says a server
// should exit when the process that started it dies, whose id comes in
// initialize (processId) or on the command line (--clientProcessId).

// watchPID waits, without polling where the system allows (see
// lsp/procwatch), until process pid dies or Serve returns; a death is
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
		err := procwatch.Wait(ctx, pid)
		switch {
		case err == nil:
			s.opts.logger.Warn("lsp: the client process died", "pid", pid)
			s.died <- pid
		case ctx.Err() == nil:
			s.opts.logger.Warn("lsp: cannot watch the client process", "pid", pid, "err", err)
		}
	}()
}
