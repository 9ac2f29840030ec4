package conn

import "time"

// This file is the one speed measure of the dispatch. A goroutine of its own
// for every message costs a wake-up of another thread each time, which is
// more than a small handler costs (a flood of notifications, a lone request
// and its reply): so a message that may start when no other handler runs
// and no call of ours awaits a reply is run by the read path itself, as a
// plain read-handle-write loop would, and reading goes on once it returns.
// Whatever needs a message read while it runs hands reading to another
// goroutine at once: a call to the peer (its reply), Release (what follows
// may start); and so does the watchdog, for a handler that runs on anything
// else, such as waiting for its cancellation, for one to two periods of
// inlineFor. The watchdog is armed once for a run of such messages, not
// for each: it looks every period while they go on, and hands reading on
// when it finds the same one running as at its last look.

// inlineFor is the watchdog's period.
const inlineFor = time.Millisecond

// runInline runs in, which accept left for the read path (having set
// readerBusy and counted it in inlineRuns), and reports whether this
// goroutine still reads once it returns. It writes the reply itself,
// unless another message is buffered already (pipelined requests): then a
// goroutine of its own writes, so that reading goes on and the replies
// that queue up meanwhile go out together, in one write. A write that
// blocks (a peer that does not read) is a handler that runs long: the
// watchdog hands reading on.
func (c *Conn) runInline(in *inbound) (stillReader bool) {
	next, write := c.handle(in)
	if next != nil {
		go c.run(next)
	}
	if write {
		c.mu.Lock() // while readerBusy, only the reader asks the read buffer
		pipelined := c.s.readerBusy && c.bufferedReader != nil && c.bufferedReader.Buffered() > 0
		c.mu.Unlock()
		if pipelined {
			go c.flush()
		} else {
			c.flush()
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	stillReader = c.s.readerBusy
	c.s.readerBusy = false
	return stillReader
}

// startInlineLocked records that the read path runs a handler itself, and
// arms the watchdog if it is not armed.
func (c *Conn) startInlineLocked() {
	c.s.readerBusy = true
	c.s.inlineRuns++
	if !c.s.watching {
		c.s.watching = true
		c.watchdog.Reset(inlineFor)
	}
}

// watch is the watchdog: it hands reading on if the read path has run the
// same handler since its last look, and looks again while it runs any.
func (c *Conn) watch() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.watching = false
	if !c.s.readerBusy {
		return
	}
	if c.s.inlineRuns == c.s.inlineSeen {
		c.handOffReadingLocked()
		return
	}
	c.s.inlineSeen = c.s.inlineRuns
	c.s.watching = true
	c.watchdog.Reset(inlineFor)
}

// handOffReadingLocked starts another goroutine reading if the read path is
// running a handler itself.
func (c *Conn) handOffReadingLocked() {
	if c.s.readerBusy {
		c.s.readerBusy = false
		go c.readLoop()
	}
}
