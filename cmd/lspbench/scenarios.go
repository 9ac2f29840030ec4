package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"time"
)

// sizes says how much each scenario does.
type sizes struct {
	warmup     int // echo calls before measuring
	sequential int // sequential echo calls
	inflight16 int // echo calls with 16 in flight
	inflight   int // echo calls with 256 in flight
	ticks      int // tick notifications before count
	big        int // 1 MiB echoes
	bigSize    int // bytes of params of the big echo
	cancels    int // cancelled sleeps
}

var (
	fullSizes  = sizes{warmup: 2000, sequential: 20000, inflight16: 100000, inflight: 200000, ticks: 50000, big: 40, bigSize: 1 << 20, cancels: 20}
	quickSizes = sizes{warmup: 500, sequential: 3000, inflight16: 20000, inflight: 40000, ticks: 50000, big: 8, bigSize: 1 << 20, cancels: 5}
	smokeSizes = sizes{warmup: 10, sequential: 100, inflight16: 200, inflight: 600, ticks: 2000, big: 2, bigSize: 1 << 20, cancels: 2}
)

// result is what one server did in one round.
type result struct {
	rttP50, rttP99 time.Duration // sequential echo round trip
	seqRate        float64       // sequential calls/s
	rate16         float64       // calls/s with 16 in flight
	rate256        float64       // calls/s with 256 in flight
	ticks          time.Duration // from the first tick to count's answer
	bigRate        float64       // MB/s of params echoed
	cancel         time.Duration // from $/cancelRequest to the -32800 reply (median)
	rss            int64         // peak RSS (VmHWM), bytes
	anon           int64         // peak anonymous RSS, sampled after each scenario, bytes
	cpu            time.Duration // CPU time the server used for all the scenarios
}

// smallParams are the params of the small echo, an LSP position. Its keys
// are sorted: sourcegraph/jsonrpc2 decodes params into a map and encodes
// them again, and the echo must come back byte for byte.
var smallParams = []byte(`{"position":{"character":4,"line":12},"textDocument":{"uri":"file:///a.go"}}`)

// bigParams returns params of exactly n bytes: an array of one ASCII string.
func bigParams(n int) []byte {
	b := make([]byte, 0, n)
	b = append(b, `["`...)
	for len(b) < n-2 {
		b = append(b, 'a'+byte(len(b)%26))
	}
	return append(b, `"]`...)
}

// memTraceEnv, set, prints the memory of each server after each scenario.
const memTraceEnv = "LSPBENCH_MEMTRACE"

// runAll runs every scenario against a fresh server process.
func runAll(s server, z sizes) (r result, err error) {
	c, err := start(s)
	if err != nil {
		return r, err
	}
	defer func() {
		if e := c.stop(); e != nil && err == nil {
			err = fmt.Errorf("stopping: %w", e)
		}
	}()
	cpu0, err := c.cpuTime()
	if err != nil {
		return r, err
	}
	// step runs one scenario and samples the server's memory after it.
	step := func(name string, f func() error) error {
		if err := f(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		hwm, anon, err := c.memory()
		r.anon = max(r.anon, anon)
		if os.Getenv(memTraceEnv) != "" {
			fmt.Fprintf(os.Stderr, "memtrace %s %s: hwm %d KiB anon %d KiB\n", s.name, name, hwm>>10, anon>>10)
		}
		return err
	}
	steps := []struct {
		name string
		f    func() error
	}{
		{"warm-up", func() (err error) { _, err = window(c, 1, z.warmup); return err }},
		{"sequential", func() (err error) { r.rttP50, r.rttP99, r.seqRate, err = sequential(c, z.sequential); return err }},
		{"16 in flight", func() (err error) { r.rate16, err = window(c, 16, z.inflight16); return err }},
		{"256 in flight", func() (err error) { r.rate256, err = window(c, 256, z.inflight); return err }},
		{"notifications", func() (err error) { r.ticks, err = notifications(c, z.ticks); return err }},
		{"large echo", func() (err error) { r.bigRate, err = bigEcho(c, z.big, z.bigSize); return err }},
		{"cancellation", func() (err error) { r.cancel, err = cancels(c, z.cancels); return err }},
	}
	for _, s := range steps {
		if err := step(s.name, s.f); err != nil {
			return r, err
		}
	}
	cpu1, err := c.cpuTime()
	if err != nil {
		return r, err
	}
	r.cpu = cpu1 - cpu0
	r.rss, _, err = c.memory()
	return r, err
}

// sequential makes n echo calls one after the other and returns the median
// and 99th percentile round trip, and the calls per second.
func sequential(c *client, n int) (p50, p99 time.Duration, rate float64, err error) {
	lat := make([]time.Duration, n)
	begin := time.Now()
	for i := range lat {
		id := c.request("echo", smallParams)
		t0 := time.Now()
		if err := c.flush(); err != nil {
			return 0, 0, 0, err
		}
		res, err := c.result(id)
		if err != nil {
			return 0, 0, 0, err
		}
		lat[i] = time.Since(t0)
		if !bytes.Equal(res, smallParams) {
			return 0, 0, 0, fmt.Errorf("echo returned %.100q", res)
		}
	}
	rate = float64(n) / time.Since(begin).Seconds()
	slices.Sort(lat)
	return lat[n/2], lat[n*99/100], rate, nil
}

// window makes n echo calls with up to w in flight and returns calls per
// second. A new call goes out as each reply comes in.
func window(c *client, w, n int) (float64, error) {
	begin := time.Now()
	sent, got := 0, 0
	first := c.next // ids first.. first+n-1 belong to this run
	seen := make([]bool, n)
	for ; sent < min(w, n); sent++ {
		c.request("echo", smallParams)
	}
	for got < n {
		id, m, err := c.reply()
		if err != nil {
			return 0, err
		}
		k := id - first
		if k < 0 || k >= int64(n) || seen[k] {
			return 0, fmt.Errorf("unexpected reply to id %d", id)
		}
		seen[k] = true
		if !bytes.Equal(m.result, smallParams) {
			return 0, fmt.Errorf("echo returned %.100q", m.result)
		}
		got++
		if sent < n {
			c.request("echo", smallParams)
			sent++
		}
	}
	return float64(n) / time.Since(begin).Seconds(), nil
}

// notifications sends n ticks and then count, and returns the time from the
// first tick to count's answer, which must have gone up by n.
func notifications(c *client, n int) (time.Duration, error) {
	before, err := c.count()
	if err != nil {
		return 0, err
	}
	begin := time.Now()
	for range n {
		if err := c.notify("tick", nil); err != nil {
			return 0, err
		}
	}
	after, err := c.count()
	if err != nil {
		return 0, err
	}
	d := time.Since(begin)
	if after-before != int64(n) {
		return 0, fmt.Errorf("count went from %d to %d after %d ticks", before, after, n)
	}
	return d, nil
}

// bigEcho echoes params of size bytes n times, checks every byte, and
// returns MB/s of params echoed.
func bigEcho(c *client, n, size int) (float64, error) {
	params := bigParams(size)
	begin := time.Now()
	for range n {
		res, err := c.call("echo", params)
		if err != nil {
			return 0, err
		}
		if !bytes.Equal(res, params) {
			return 0, fmt.Errorf("the %d-byte echo came back different (%d bytes)", size, len(res))
		}
	}
	return float64(n*size) / 1e6 / time.Since(begin).Seconds(), nil
}

// cancels sends n 10 s sleeps, cancels each 10 ms later, and returns the
// median time from sending $/cancelRequest to the -32800 reply.
func cancels(c *client, n int) (time.Duration, error) {
	lat := make([]time.Duration, n)
	for i := range lat {
		id := c.request("sleep", []byte(`{"ms":10000}`))
		if err := c.flush(); err != nil {
			return 0, err
		}
		time.Sleep(10 * time.Millisecond)
		params := append(strconv.AppendInt([]byte(`{"id":`), id, 10), '}')
		c.out = appendRequest(c.out, -1, "$/cancelRequest", params)
		t0 := time.Now()
		if err := c.flush(); err != nil {
			return 0, err
		}
		got, m, err := c.reply()
		if err != nil {
			return 0, err
		}
		lat[i] = time.Since(t0)
		if got != id || m.err == nil {
			return 0, fmt.Errorf("cancelled sleep %d: got a reply to %d: result %.50s error %.100s", id, got, m.result, m.err)
		}
		e, err := scan(m.err)
		if err != nil || string(e.code) != "-32800" {
			return 0, fmt.Errorf("cancelled sleep answered with error %.100s, want code -32800", m.err)
		}
	}
	slices.Sort(lat)
	return lat[n/2], nil
}
