package conn

import "time"

// WithWatchPeriod sets how often the watchdog looks at a reader that holds
// on to reading (see watch); the tests turn it off with a long period to
// show that what must free the reader does so by itself.
func WithWatchPeriod(d time.Duration) Option { return func(c *config) { c.watchPeriod = d } }
