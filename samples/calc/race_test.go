//go:build race

package calc_test

// raceEnabled: the tests run with -race, and so does the lspkit binary
// they build for the end-to-end tests (which then shares their build
// cache, and runs under the race detector in real clients' sessions).
const raceEnabled = true
