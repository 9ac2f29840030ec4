// Command fakelsp is a tiny language server for the tests of lspkit's
// debugging commands, built with package conn. It speaks the LSP lifecycle
// (initialize, initialized, shutdown, exit) and a few methods that let a
// test see what the client did:
//
//	fake/initializeParams  the params of "initialize", as received
//	fake/config            the client's answer to the workspace/configuration
//	                       request the server sends on "initialized"
//	fake/now               {"timestamp": <now, ns>, "value": 1}
//
// On "initialized" it also sends the notifications window/logMessage and
// fake/started (whose params.token is its pid, as serverInfo.version is).
//
// Flags: -exit-code N exits with N on "exit" (default: 0 after "shutdown",
// else 1) or at the end of input; -term-code N exits with N on SIGTERM; -cat
// copies stdin to stdout unchanged instead of speaking LSP; -linger stays on
// at the end of input, until a signal ends it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/lspkit/lspkit/conn"
)

func main() {
	exitCode := flag.Int("exit-code", -1, "exit status on exit, or at the end of input")
	termCode := flag.Int("term-code", -1, "exit with this status on SIGTERM")
	cat := flag.Bool("cat", false, "copy stdin to stdout unchanged")
	linger := flag.Bool("linger", false, "at the end of input, stay on until a signal ends the process")
	flag.Parse()
	if *termCode >= 0 {
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM)
		go func() {
			<-sigs
			os.Exit(*termCode)
		}()
	}
	if *cat {
		io.Copy(os.Stdout, os.Stdin)
		os.Exit(max(*exitCode, 0))
	}
	s := &server{exitCode: *exitCode}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	conn.Serve(context.Background(), conn.Stdio(), s.mux(), conn.WithLogger(logger))
	if *linger {
		time.Sleep(time.Hour)
	}
	os.Exit(max(*exitCode, 0))
}

type server struct {
	exitCode int

	mu         sync.Mutex
	initParams json.RawMessage
	config     json.RawMessage
	shutdown   bool
}

func (s *server) mux() *conn.Mux {
	pid := strconv.Itoa(os.Getpid())
	m := conn.NewMux()
	m.HandleFunc("initialize", func(_ context.Context, req *conn.Request) (any, error) {
		s.mu.Lock()
		s.initParams = req.Params
		s.mu.Unlock()
		return map[string]any{
			"capabilities": map[string]any{"hoverProvider": true},
			"serverInfo":   map[string]string{"name": "fakelsp", "version": pid},
		}, nil
	})
	m.HandleFunc("initialized", func(ctx context.Context, _ *conn.Request) (any, error) {
		c := conn.FromContext(ctx)
		c.Notify(ctx, "window/logMessage", map[string]any{"type": 3, "message": "hello from fakelsp"})
		c.Notify(ctx, "fake/started", map[string]any{"token": pid})
		var config json.RawMessage
		// KeepPlace: the later requests (fake/config) must see the answer,
		// so nothing after "initialized" may start before it has come.
		if err := c.Call(conn.KeepPlace(ctx), "workspace/configuration", map[string]any{"items": []any{map[string]string{"section": "fake"}}}, &config); err != nil {
			config, _ = json.Marshal(err.Error())
		}
		s.mu.Lock()
		s.config = config
		s.mu.Unlock()
		return nil, nil
	})
	m.HandleFunc("fake/initializeParams", func(context.Context, *conn.Request) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.initParams, nil
	})
	m.HandleFunc("fake/config", func(context.Context, *conn.Request) (any, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.config, nil
	})
	m.HandleFunc("fake/now", func(context.Context, *conn.Request) (any, error) {
		return map[string]any{"timestamp": time.Now().UnixNano(), "value": 1}, nil
	})
	m.HandleFunc("shutdown", func(context.Context, *conn.Request) (any, error) {
		s.mu.Lock()
		s.shutdown = true
		s.mu.Unlock()
		return nil, nil
	})
	m.HandleFunc("exit", func(context.Context, *conn.Request) (any, error) {
		s.mu.Lock()
		code := s.exitCode
		if code < 0 && s.shutdown {
			code = 0
		} else if code < 0 {
			code = 1
		}
		s.mu.Unlock()
		os.Exit(code)
		return nil, nil
	})
	return m
}
