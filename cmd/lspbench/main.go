// Command lspbench measures JSON-RPC over stdio, side by side: lspkit's
// server (`lspkit serve arith`, the real binary), the library server (conn
// and samples/arith in a binary of their own, as a user of the library
// builds one: ./cmd/lspbench/internal/arithserver), a server built with
// github.com/sourcegraph/jsonrpc2, and a floor — a minimal hand-written echo
// loop with no reflection that shows what the pipe and the framing cost by
// themselves. Each runs as a subprocess on stdin/stdout with Content-Length
// framing and is driven by the same pipelined client.
//
// From the repository root:
//
//	go run ./cmd/lspbench          # everything: 3 rounds, a few minutes
//	go run ./cmd/lspbench -quick   # one short round, about twenty seconds
//	go run ./cmd/lspbench -extra old=/tmp/lspkit-old   # another lspkit binary beside
//	go run ./cmd/lspbench -extra old=library:/tmp/arithserver-old   # another library server
//
// lspbench builds lspkit from ./cmd/lspkit and the library server from
// ./cmd/lspbench/internal/arithserver into a temporary directory (or takes
// -lspkit PATH); the floor and the sourcegraph server are modes of lspbench
// itself (lspbench -serve floor, lspbench -serve sourcegraph), which it
// re-executes. go test ./cmd/lspbench runs every scenario once, small, as a
// check of every server's answers; LSPKIT_BENCH=1 go test -run TestFull -v
// ./cmd/lspbench runs the whole measurement.
//
// Scenarios: sequential small echo round trips (p50 and p99 latency,
// calls/s); echo with 16 and 256 calls in flight (calls/s); 50,000 tick
// notifications then count (the time until count answers, which must be
// 50,000 more than before); 1 MiB of params echoed (MB/s, every byte
// checked); a 10 s sleep cancelled after 10 ms (the time from sending
// $/cancelRequest to the -32800 reply); each server's peak RSS (VmHWM, and
// the anonymous part of it: heap and stacks), and the CPU time it used.
// Every server runs every scenario in each round, in a rotating order, and
// the report gives the median of the rounds, absolute and as the ratio to
// the floor (>1 = slower, or more memory), with the targets of issue 13
// marked pass or fail for lspkit and the library server: p50 round trip and
// sequential calls ≤1.25x; 16 and 256 in flight, the notifications and the
// 1 MiB echo ≤1.5x; cancellation <5 ms; the library server's peak RSS ≤2x.
//
// The report goes to stdout, progress to stderr; the servers' stdout is
// their wire and nothing else. With LSPBENCH_MEMTRACE=1 in the environment,
// lspbench also prints each server's VmHWM and RssAnon after each scenario
// to stderr, to see which scenario makes the peak.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/samples/arith"
)

// serveEnv makes lspbench serve instead of measure: its value is the server.
const serveEnv = "LSPBENCH_SERVE"

func main() {
	if mode := os.Getenv(serveEnv); mode != "" {
		os.Exit(serveMode(mode))
	}
	var (
		rounds  = flag.Int("rounds", 3, "rounds; each server runs every scenario once per round, and the report gives medians")
		quick   = flag.Bool("quick", false, "one short round (sizes cut down; -rounds still applies if set)")
		serve   = flag.String("serve", "", "serve instead of measuring: floor or sourcegraph, on stdin/stdout")
		lspkit  = flag.String("lspkit", "", "the lspkit binary to measure (default: build ./cmd/lspkit)")
		servers = flag.String("servers", "floor,lspkit,library,sourcegraph", "the servers to measure, comma-separated; the floor is always measured; library is conn and samples/arith in a binary of their own; arith is the same in lspbench's own binary")
		extra   = flag.String("extra", "", "more servers to measure, as NAME=PATH,... (an lspkit binary: runs PATH serve arith) or NAME=library:PATH (a library server: runs PATH), e.g. before=/tmp/lspkit-old")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: lspbench [flags]\n\nMeasures JSON-RPC over stdio: the floor, lspkit, the library server and sourcegraph/jsonrpc2, side by side.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *serve != "" {
		os.Exit(serveMode(*serve))
	}
	z := fullSizes
	if *quick {
		z = quickSizes
		if !isFlagSet("rounds") {
			*rounds = 1
		}
	}
	names := strings.Split(*servers, ",")
	if *extra != "" {
		names = append(names, strings.Split(*extra, ",")...)
	}
	if err := run(*rounds, z, *lspkit, names); err != nil {
		fmt.Fprintln(os.Stderr, "lspbench:", err)
		os.Exit(1)
	}
}

func isFlagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// profileEnv, set to a file name, makes a server of lspbench's own
// (LSPBENCH_SERVE=floor, arith or sourcegraph) write its CPU profile there,
// for go tool pprof. Profile lspkit's server as it runs under the benchmark
// with -extra: -extra 'prof=SCRIPT', where SCRIPT runs
// LSPBENCH_SERVE=arith LSPBENCH_CPUPROFILE=/tmp/cpu.out lspbench.
const profileEnv = "LSPBENCH_CPUPROFILE"

// serveMode serves one of lspbench's own servers on stdin/stdout.
func serveMode(mode string) int {
	if path := os.Getenv(profileEnv); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lspbench -serve:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "lspbench -serve:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	var err error
	switch mode {
	case "floor":
		err = serveFloor(os.Stdin, os.Stdout)
	case "sourcegraph":
		err = serveSourcegraph(os.Stdin, os.Stdout)
	case "arith":
		// What `lspkit serve arith` serves, without the command line: the
		// tests use it so as not to build lspkit.
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		err = conn.Serve(context.Background(), conn.Stdio(), arith.New(), conn.WithLogger(logger))
	default:
		err = fmt.Errorf("unknown server %q (want floor, sourcegraph or arith)", mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "lspbench -serve:", err)
		return 1
	}
	return 0
}

// run measures and prints the report.
func run(rounds int, z sizes, lspkitPath string, names []string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	servers, cleanup, err := setUp(self, lspkitPath, names)
	if err != nil {
		return err
	}
	defer cleanup()
	results, err := measure(servers, rounds, z, os.Stderr)
	if err != nil {
		return err
	}
	report(os.Stdout, servers, results, rounds, z)
	return nil
}

// setUp resolves the servers to run, building lspkit and the library
// server if needed, into one temporary directory that cleanup removes.
func setUp(self, lspkitPath string, names []string) ([]server, func(), error) {
	servers := []server{{name: "floor", path: self, env: []string{serveEnv + "=floor"}}}
	dir := ""
	cleanup := func() {
		if dir != "" {
			os.RemoveAll(dir)
		}
	}
	// build builds a main package of this module into dir.
	build := func(pkg, name string) (string, error) {
		if dir == "" {
			d, err := os.MkdirTemp("", "lspbench")
			if err != nil {
				return "", err
			}
			dir = d
		}
		return buildBinary(dir, pkg, name)
	}
	seen := map[string]bool{"floor": true}
	for _, n := range names {
		n = strings.TrimSpace(n)
		name, _, _ := strings.Cut(n, "=")
		if n != "floor" && n != "" && seen[name] {
			cleanup()
			return nil, func() {}, fmt.Errorf("server %q named twice", name)
		}
		seen[name] = true
		switch n {
		case "floor", "":
		case "sourcegraph":
			servers = append(servers, server{name: n, path: self, env: []string{serveEnv + "=sourcegraph"}})
		case "arith":
			// lspkit's server without the command line: the same conn and
			// arith code in lspbench's own binary.
			servers = append(servers, server{name: n, path: self, env: []string{serveEnv + "=arith"}})
		case "library":
			// The same again in a binary of its own, as a user builds one:
			// what the framework costs apart from the lspkit binary's size
			// and lspbench's.
			path, err := build(libraryPkg, "arithserver")
			if err != nil {
				cleanup()
				return nil, func() {}, err
			}
			servers = append(servers, server{name: n, path: path})
		case "lspkit":
			path := lspkitPath
			if path == "" {
				var err error
				if path, err = build("./cmd/lspkit", "lspkit"); err != nil {
					cleanup()
					return nil, func() {}, err
				}
			}
			servers = append(servers, server{name: n, path: path, args: []string{"serve", "arith"}})
		default:
			name, path, ok := strings.Cut(n, "=")
			if !ok || name == "" || path == "" {
				cleanup()
				return nil, func() {}, fmt.Errorf("unknown server %q (want floor, lspkit, library, sourcegraph, arith, NAME=PATH or NAME=library:PATH)", n)
			}
			if lib, ok := strings.CutPrefix(path, "library:"); ok {
				servers = append(servers, server{name: name, path: lib})
			} else {
				servers = append(servers, server{name: name, path: path, args: []string{"serve", "arith"}})
			}
		}
	}
	return servers, cleanup, nil
}

// libraryPkg is the library server's main package.
const libraryPkg = "./cmd/lspbench/internal/arithserver"

// buildBinary builds the main package pkg (a path relative to the root of
// the module around the working directory) into dir/name.
func buildBinary(dir, pkg, name string) (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("finding the module (go env GOMOD): %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(gomod)))
	if root == "." || strings.TrimSpace(string(gomod)) == os.DevNull {
		return "", fmt.Errorf("run lspbench inside the lspkit module, or give the servers' paths (-lspkit PATH, -extra NAME=library:PATH)")
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("building %s: %w", pkg, err)
	}
	return out, nil
}
