//go:build !unix

package procwatch

// fallbacks: there is no fallback outside Unix.
func fallbacks() []waiter { return nil }
