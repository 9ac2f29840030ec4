package lsp

import "time"

// WithPollInterval sets how often the server checks that the client's
// process is alive (once a second otherwise), so that tests of the
// processId rule end quickly.
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.pollEvery = d } }
