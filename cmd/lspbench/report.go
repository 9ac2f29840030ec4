package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// measure runs every server through every scenario, rounds times. Rounds are
// interleaved, and the order of the servers rotates from round to round, so
// that noise spreads over all of them.
func measure(servers []server, rounds int, z sizes, progress io.Writer) (map[string][]result, error) {
	results := make(map[string][]result)
	for r := range rounds {
		for i := range servers {
			s := servers[(i+r)%len(servers)]
			fmt.Fprintf(progress, "lspbench: round %d/%d: %s\n", r+1, rounds, s.name)
			res, err := runAll(s, z)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.name, err)
			}
			results[s.name] = append(results[s.name], res)
		}
	}
	return results, nil
}

// metric is one row of the report.
type metric struct {
	name   string
	value  func(result) float64
	format func(float64) string
	rate   bool    // higher is better: the ratio is floor / value
	target float64 // the largest ratio to the floor that passes; 0: none
	abs    float64 // or the largest absolute value that passes; 0: none
	goal   string  // the target as the issue words it
	only   string  // the one judged server the target is for; "": all of them
}

// judged are the servers whose figures are held to the targets: lspkit's
// binary, and the library server (conn and samples/arith in a binary of
// their own, which the peak RSS target is for).
var judged = []string{"lspkit", "library"}

// metrics are the rows of the report, with issue 13's targets.
var metrics = []metric{
	{name: "echo round trip, p50", value: dur(func(r result) time.Duration { return r.rttP50 }), format: fmtDur, target: 1.25, goal: "≤1.25x"},
	{name: "echo round trip, p99", value: dur(func(r result) time.Duration { return r.rttP99 }), format: fmtDur},
	{name: "sequential calls/s", value: func(r result) float64 { return r.seqRate }, format: fmtRate, rate: true, target: 1.25, goal: "≤1.25x"},
	{name: "16 in flight, calls/s", value: func(r result) float64 { return r.rate16 }, format: fmtRate, rate: true, target: 1.5, goal: "≤1.5x"},
	{name: "256 in flight, calls/s", value: func(r result) float64 { return r.rate256 }, format: fmtRate, rate: true, target: 1.5, goal: "≤1.5x"},
	{name: "ticks, then count", value: dur(func(r result) time.Duration { return r.ticks }), format: fmtDur, target: 1.5, goal: "≤1.5x"},
	{name: "1 MiB echo, MB/s", value: func(r result) float64 { return r.bigRate }, format: fmtMBs, rate: true, target: 1.5, goal: "≤1.5x"},
	{name: "cancel → -32800", value: dur(func(r result) time.Duration { return r.cancel }), format: fmtDur, abs: float64(5 * time.Millisecond), goal: "<5ms"},
	{name: "peak RSS (VmHWM)", value: func(r result) float64 { return float64(r.rss) }, format: fmtBytes, target: 2, goal: "≤2x", only: "library"},
	{name: "  of it heap & stacks", value: func(r result) float64 { return float64(r.anon) }, format: fmtBytes},
	{name: "server CPU, all of it", value: dur(func(r result) time.Duration { return r.cpu }), format: fmtDur},
}

func dur(f func(result) time.Duration) func(result) float64 {
	return func(r result) float64 { return float64(f(r)) }
}

// median of a metric over the rounds.
func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// verdict says whether server's median v, with ratio to the floor, meets
// m's target; applies is false when the target is not for this server (or
// m has none).
func (m metric) verdict(server string, v, ratio float64) (ok, applies bool) {
	if !slices.Contains(judged, server) || (m.only != "" && m.only != server) {
		return false, false
	}
	switch {
	case m.target > 0:
		return ratio <= m.target, true
	case m.abs > 0:
		return v < m.abs, true
	}
	return false, false
}

// report prints the table.
func report(w io.Writer, servers []server, results map[string][]result, rounds int, z sizes) {
	fmt.Fprintf(w, "lspbench: JSON-RPC over stdio (Content-Length framing), median of %d round(s)\n", rounds)
	fmt.Fprintf(w, "machine: %s/%s, %d CPUs%s, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cpuModel(), runtime.Version())
	fmt.Fprintf(w, "sizes: %d sequential calls, %d and %d with 16 and 256 in flight, %d ticks, %d echoes of %d bytes, %d cancels\n\n",
		z.sequential, z.inflight16, z.inflight, z.ticks, z.big, z.bigSize, z.cancels)
	fmt.Fprintf(w, "%-24s %12s", "", "floor")
	for _, s := range servers[1:] {
		fmt.Fprintf(w, "  %12s %7s", s.name, "ratio")
		if slices.Contains(judged, s.name) {
			fmt.Fprintf(w, " %-12s", "target")
		}
	}
	fmt.Fprintln(w)
	pass, total := make(map[string]int), make(map[string]int)
	for _, m := range metrics {
		floor := median(results["floor"], m.value)
		fmt.Fprintf(w, "%-24s %12s", m.name, m.format(floor))
		for _, s := range servers[1:] {
			v := median(results[s.name], m.value)
			ratio := v / floor
			if m.rate {
				ratio = floor / v
			}
			fmt.Fprintf(w, "  %12s %6.2fx", m.format(v), ratio)
			if !slices.Contains(judged, s.name) {
				continue
			}
			verdict := ""
			if ok, j := m.verdict(s.name, v, ratio); j {
				verdict = m.goal + " " + passFail(ok)
				total[s.name]++
				if ok {
					pass[s.name]++
				}
			}
			fmt.Fprintf(w, " %-12s", verdict)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nRatios are to the floor: >1 is slower, or more memory. \"of it heap & stacks\" is the\n"+
		"largest RssAnon seen after a scenario: VmHWM without the executable's own pages.\n"+
		"Targets are issue 13's. library is conn and samples/arith in a binary of their own; the\n"+
		"peak RSS target is for it, and lspkit's binary (with its command line) is shown beside it.\n")
	for _, s := range servers[1:] {
		if slices.Contains(judged, s.name) {
			fmt.Fprintf(w, "%s meets %d of %d targets.\n", s.name, pass[s.name], total[s.name])
		}
	}
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func fmtDur(v float64) string {
	d := time.Duration(v)
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", v/1e3)
	case d < time.Second:
		return fmt.Sprintf("%.2fms", v/1e6)
	}
	return fmt.Sprintf("%.2fs", v/1e9)
}

func fmtRate(v float64) string  { return fmt.Sprintf("%.0f", v) }
func fmtMBs(v float64) string   { return fmt.Sprintf("%.0f MB/s", v) }
func fmtBytes(v float64) string { return fmt.Sprintf("%.1f MiB", v/(1<<20)) }

// cpuModel returns ", " and the CPU's model name, if Linux says.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return ", " + strings.TrimSpace(v)
		}
	}
	return ""
}
