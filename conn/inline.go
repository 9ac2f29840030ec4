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
// may start); and so does the watchdog, for a handler that runs longer than
// inlineFor on anything else, such as waiting for its cancellation.

// inlineFor is how long the read path runs a handler itself before another
// goroutine takes over reading.
const inlineFor = time.Millisecond

// runInline runs in, which accept left for the read path, and reports
// whether this goroutine still reads once it returns.
func (c *Conn) runInline(in *inbound) (stillReader bool) {
	c.watchdog.Reset(inlineFor)
	if next := c.handle(in); next != nil {
		go c.run(next)
	}
	c.watchdog.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	stillReader = c.s.readerBusy
	c.s.readerBusy = false
	return stillReader
}

// handOffReading is the watchdog's: reading passes to another goroutine.
func (c *Conn) handOffReading() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.handOffReadingLocked()
}

// handOffReadingLocked starts another goroutine reading if the read path is
// running a handler itself.
func (c *Conn) handOffReadingLocked() {
	if c.s.readerBusy {
		c.s.readerBusy = false
		go c.readLoop()
	}
}
