package main

// This file starts the server subprocess that the debugging commands
// (call, inspect, replay) talk to or relay, with conn.Process, and holds
// the flag helpers they share.

import (
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/lspkit/lspkit/conn"
	"github.com/lspkit/lspkit/framing"
	"github.com/spf13/cobra"
)

// waitDelay bounds how long inspect relays what an exited server still
// wrote, when something the server started keeps its stdout open.
const waitDelay = time.Second

// startServer starts argv as a conn.Process, with its stderr going to
// stderr. The caller ends it with Stop or Release.
func startServer(argv []string, stderr io.Writer) (*conn.Process, error) {
	p, err := conn.StartProcess(exec.Command(argv[0], argv[1:]...), conn.WithStderr(stderr))
	if err != nil {
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	return p, nil
}

// serverArgs checks that the server's command line comes after "--", with
// exactly nBefore arguments before it, and returns it. Requiring "--" keeps
// the server's own flags (--framing, say) from being taken for ours.
func serverArgs(cmd *cobra.Command, args []string, nBefore int) ([]string, error) {
	dash := cmd.ArgsLenAtDash()
	if dash < 0 || len(args) == dash {
		return nil, errors.New("give the server's command line after --, e.g. `-- lspkit serve arith`")
	}
	if dash != nBefore {
		return nil, fmt.Errorf("expected %d argument(s) before --, got %d: %s",
			nBefore, dash, strings.Join(args[:dash], " "))
	}
	return args[dash:], nil
}

// framerByName returns the framing a --framing flag names.
func framerByName(name string) (framing.Framer, error) {
	switch name {
	case "header":
		return framing.Header(), nil
	case "line":
		return framing.Line(), nil
	}
	return nil, fmt.Errorf("--framing must be header or line, not %q", name)
}

// framingUsage is the help text of every --framing flag here.
const framingUsage = "message framing: header (Content-Length, as LSP) or line (newline-delimited JSON)"
